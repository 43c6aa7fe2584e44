// Decoder of SQL Server transaction-log row images (fn_dblog [RowLog Contents n]): FixedVar data
// records, clustered-key index records and LOP_MODIFY_ROW / LOP_MODIFY_COLUMNS byte ranges, turned
// into the same PostgreSQL input text the CDC path produces for the same values
// (dts::tds::value_to_text; both use value_text.hpp). Rules: ../shared/research/
// sql-server-log-format.md §2.3, §3. Everything that can be checked is checked: a record that does
// not follow the rules exactly throws DecodeError (what, at which byte, which column) instead of
// yielding a value that might be wrong. Pure C++, unit-tested.
//
// Value text forms (identical to value_to_text): integers in decimal; bit "true"/"false";
// decimal/numeric with exactly `scale` decimals; money/smallmoney with 4 decimals; real %.9g,
// float %.17g; date "YYYY-MM-DD"; time(n) "HH:MM:SS.ffffff" (always 6 digits, the 7th truncated);
// datetime2 "YYYY-MM-DD HH:MM:SS.ffffff"; datetime "YYYY-MM-DD HH:MM:SS.mmm" (1/300 s ticks
// rounded as SQL Server shows them); smalldatetime "YYYY-MM-DD HH:MM:SS"; datetimeoffset the UTC
// instant "YYYY-MM-DD HH:MM:SS.ffffff+00"; uniqueidentifier lower-case canonical; binary,
// varbinary, timestamp "\x<hex>"; char/varchar (code page 1252) and nchar/nvarchar (UTF-16LE)
// as UTF-8, char/nchar with their trailing blanks.
#pragma once

#include "log_layout.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dts::logrec {

using Value = std::optional<std::string>; // PostgreSQL input text, nullopt = NULL
// OffRow: a LOB/row-overflow pointer, the value is not in the record. Cut: the value lies past
// the end of a record fn_dblog cut short (see decode_record).
enum class Cell : uint8_t { Value, OffRow, Cut };

struct DecodedRow {
    // Per Layout::columns. Dropped columns: nullopt. The uniquifier: its integer ("0" when the
    // record does not store it); callers skip columns whose name is empty.
    std::vector<Value> values;
    std::vector<Cell> cells; // per Layout::columns
    // ghost: status A record type 6 (a ghost data record, same format as a primary one).
    // versioned: status A 0x40, a 14-byte versioning tag ended the record (stripped).
    bool ghost = false, versioned = false;
    bool cut = false; // may_be_cut and the record is shorter than its own offsets say
    // The record has the layout's format: its column count is the layout's number of columns and
    // its fixed-data area ends where the layout's does (dropped columns included). Updates of the
    // row in place keep that format (patch_with_base's format_shown).
    bool layout_format = false;
};

// A data record (RowLog Contents 0 of LOP_INSERT_ROWS / LOP_DELETE_ROWS): status A must be a
// primary data record (type 0; type 6, its ghost, is accepted and flagged) with the NULL bitmap;
// anything else is a DecodeError.
//
// may_be_cut: the record is exactly as long as the column that carried it can be (fn_dblog's
// RowLog Contents are varbinary(8000) while a row may hold 8060 bytes), so its tail may be
// missing. Then, and only then, variable columns ending past the end are Cell::Cut (value
// nullopt), as is the versioning tag; everything before them is still checked and decoded. The
// caller re-reads such a row by key; a cut key or uniquifier is a DecodeError.
DecodedRow decode_record(const Layout &layout, std::string_view record, bool may_be_cut = false);

// The clustered key carried in RowLog Contents 2 of LOP_MODIFY_ROW/LOP_MODIFY_COLUMNS on a
// clustered index: an index record (status 0x16: 1 status byte, fixed key column bytes in key
// order, 2-byte column count, NULL bitmap; 0x36: + variable key columns with a var count and end
// offsets, in key order). Values of the key columns in key_ordinal order. Validates the length
// exactly; a NULL key column, an off-row key or any other status is a DecodeError.
std::vector<Value> decode_clustered_key(const Layout &layout, std::string_view rc2);

// A partial update: byte ranges of one record replaced (before/after bytes at an offset).
// (An aggregate of exactly these three fields: ByteRange{offset, rc0, rc1} for LOP_MODIFY_ROW.)
struct ByteRange {
    uint16_t offset = 0;
    std::string before, after;
};

// LOP_MODIFY_COLUMNS payloads (RC0 offsets array, RC1 lengths array, Log Record bytes) → ranges.
// Layout read [1S, no public vector]: RC0 = one 4-byte entry per range, two little-endian uint16:
// the range's offset before and after the update (they differ when an earlier range changed
// length; checked); RC1 = one uint16 per range: its length before the update. [Log Record] =
// record header with the element count at 0x3E and the uint16 element lengths at 0x40, then the
// elements, each padded to 4 bytes (0 = RC0, 1 = RC1: both checked against the payloads given).
// The old and new bytes of each range follow element 3, old then new, each padded to 4: as
// elements 4.. when the record has 4 + 2 x ranges elements (lengths exact), or as bytes after the
// last of 4 elements (the new length of a range then follows from the offsets of the next range;
// the last new value runs to the end of the record). Anything that does not fit: DecodeError.
struct ModifyColumns {
    std::vector<ByteRange> ranges;       // `offset` = offset before the update
    std::vector<uint16_t> after_offsets; // per range: its offset after the update
    // False when the last range's new value ran to the end of the Log Record (4 elements): its
    // length then includes up to 3 padding bytes and is never certain. ranges.back().after then
    // holds the old length's worth of bytes when the rest of the record is that length padded to
    // 4, else the whole rest. patch_from_ranges may still use such a range: it only accepts ranges
    // inside the fixed-data area, where a length change would move F (offset 2) and so come with a
    // range it refuses.
    bool last_after_exact = true;
};
ModifyColumns parse_modify_columns(std::string_view rc0, std::string_view rc1,
                                   std::string_view log_record, int num_elements);
// parse_modify_columns(...).ranges.
std::vector<ByteRange> modify_columns_ranges(std::string_view rc0, std::string_view rc1,
                                             std::string_view log_record, int num_elements);

// The columns an update changed, with their new values, when the ranges alone determine them:
// every range lies inside the fixed-data area and covers whole fixed columns (bit columns: the
// byte holding them, each bit compared), or runs on into the column count and NULL bitmap right
// after it (a fixed column set NULL or given a value again). Never the status bytes, the
// fixed-length field or the variable part. nullopt otherwise (the caller re-reads the row from
// the source by key; never guess). Columns whose bytes a range covers without changing them are
// not listed. The fixed-data area is the layout's (columns added with a default may be missing
// from older records, so a range at or past the first such column yields nullopt).
//
// NULL bits: the layout's column count and bitmap positions hold them only in a record with the
// layout's whole fixed area; one written before a fixed column was added (ALTER TABLE ADD without
// a rebuild) has a shorter one, and at those positions its variable part, which may happen to
// look like a count and a bitmap. Catalog facts read now do not prove an older record's format
// (a review found holes in "never altered" dates and in NOT NULL rules), the row does: a range
// may reach past the fixed area only with a base row that has a value for a column ending the
// fixed area (so the record stores it; patch_from_ranges never) or with format_shown (below), no
// fixed column added with a default (unless format_shown), and the range covering the column count,
// which is the layout's number of columns before and after (a variable column added later: a
// smaller count). Then each covered NULL bit is read: a column whose bit goes to 1 is NULL (its
// bytes are left as they were), one whose bit goes to 0 takes its value from the after bytes, which
// must cover it whole; a variable-length column's bit changing, a NOT NULL column's bit set, a
// dropped column's bit changing, an unused high bit changing, or a NULL column's bytes changing
// gives nullopt. The unused high bits of the bitmap's last byte are otherwise not read (they may
// hold anything). A bit not covered means the column's NULL-ness did not change: a fully covered
// fixed column's value is then the decoded after bytes. Like every decode, this takes the layout to
// be the record's (the reader follows the source's DDL in log order) and the base to be the row at
// the record. Remaining hazard (ranges inside the fixed area, as before): a record written before a
// nullable fixed column was added has its column count and NULL bitmap where the layout puts that
// column; an update flipping one of those bytes would be read as a change of the added column
// without a base row (with one, the added column is NULL in the base and its bytes changing is a
// mismatch).
struct Patch {
    std::vector<std::pair<size_t, Value>> set; // index into Layout::columns, new value
};
std::optional<Patch> patch_from_ranges(const Layout &layout, const std::vector<ByteRange> &ranges);

// The columns an update changed, with their new values, given the row's values before the update
// (`before`: per Layout::columns, PostgreSQL text as the destination or the decoder gives it;
// nullopt = NULL; a column may be unknown: pass `known[i] = false`). Handles ranges that cover
// fixed-length columns in part: the column's before value is encoded to its on-disk bytes, the
// range's `before` bytes are CHECKED against them (any mismatch: nullopt — the base row is not
// the row the record changed, never guess), the `after` bytes spliced in, and the result decoded.
// Same rules as patch_from_ranges otherwise (status bytes, variable part, length changes →
// nullopt; the NULL bitmap only behind the layout's column count), and every NULL bit a range
// shows is checked against the base: 1 before exactly when the base value is NULL.
//
// Every covered byte of every known column is checked, changed or not, covered in part or whole
// (bit columns: each live bit of a covered shared byte against its column's before value). A
// known NULL column whose bytes change (its NULL bit untouched) is a mismatch too. The check is
// what makes a wrong base or a wrong encoding fail safe: a before value whose encoding disagrees
// with any byte the record shows gives nullopt, never a wrong value (tested). What it cannot see:
// bytes of a partly covered column OUTSIDE its ranges are taken from the encoded before value
// unchecked (SQL Server logs from the first to the last differing byte, so they are the
// unchanged bytes of the row the record changed); a base that agrees with the record on every
// covered byte but not on those would go unnoticed. The caller's base must therefore be the row
// image at the record's LSN (the destination at the checkpoint, or the key's latest image in the
// window), and the encodings are exact: each accepted text has one on-disk form.
//
// Encoded from text (the decoder's form and PostgreSQL's output of the mapped type; ISO
// DateStyle, bytea_output hex, extra_float_digits >= 1 — PostgreSQL's default, shortest-exact
// float output — so that float text round-trips): tinyint, smallint, int, bigint, bit
// (t/f/true/false), decimal/numeric (any number of decimals up to the scale, or more when the
// extra ones are 0; zero's sign byte is taken from the record and must be covered when the column
// changes), money/smallmoney, real/float, date, time(n ≤ 6), datetime2(n ≤ 6), datetime (the tick
// that decodes to the same milliseconds), smalldatetime, uniqueidentifier, char(n) (code page
// 1252, trailing blanks trimmed then padded), nchar(n) (UTF-16LE, likewise), binary(n) and
// timestamp ("\x" + exactly n bytes). Not encodable, so treated like an unknown column:
// time/datetime2 of scale 7 (the 7th digit is not in the text), datetimeoffset (the offset is not
// in the text), and any text that does not parse or has no exact on-disk form. An unknown column
// is fine when fully covered (its new value is the after bytes, as in patch_from_ranges) and
// nullopt when a range changes it in part. `before` and `known` must have one entry per layout
// column (else DecodeError).
//
// format_shown: the caller knows the row the record changed has the layout's format (it came
// from an insert record whose DecodedRow::layout_format was true, and only updates completed in
// place changed it since, all under this layout). Then the NULL bitmap is placed by the layout
// without a stored last fixed column in the base, and columns added with a default are part of
// the fixed area; everything else is checked as without it.
std::optional<Patch> patch_with_base(const Layout &layout, const std::vector<ByteRange> &ranges,
                                     const std::vector<Value> &before,
                                     const std::vector<bool> &known, bool format_shown = false);
// The same with the base row by reference: before[i] nullptr = column i unknown.
std::optional<Patch> patch_with_base(const Layout &layout, const std::vector<ByteRange> &ranges,
                                     const std::vector<const Value *> &before,
                                     bool format_shown = false);

// The text of one in-row value of `column` from its on-disk bytes (fixed: exactly its size; bit:
// the byte holding it; variable: the stored bytes). Throws DecodeError for bytes the type cannot
// hold (wrong length, out-of-range date, undefined code-page byte, bad UTF-16 ...).
std::string column_text(const PhysColumn &column, std::string_view bytes);

} // namespace dts::logrec
