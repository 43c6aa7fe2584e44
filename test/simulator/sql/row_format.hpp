// SQL Server's on-page FixedVar record format (what fn_dblog's RowLog Contents carry), written
// from the format rules of the log-format research brief (§3.1/3.2) only. Pure functions: the
// physical layout comes in (phys_layout.hpp builds it from the catalog), bytes come out.
#pragma once

#include "engine.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sim::sql {

// One column of a partition as sys.system_internals_partition_columns describes it.
struct PhysColumn {
    // A heap's or clustered index's column: its column_id (0 for the uniquifier), as the joins of
    // the public log readers assume (Rusanu 2011-10-20: partition_column_id = sys.columns
    // column_id for index_id 0/1; Imran's procedure: syscolumns.colid = partition_column_id);
    // a nonclustered index's: its 1-based position. The position in the record is leaf_null_bit.
    int partition_column_id = 0;
    int column_id = 0; // the table's column_id; 0 for the uniquifier
    std::string name;
    SqlType type;
    bool nullable = true;
    bool is_dropped = false;
    bool is_uniqueifier = false;
    int key_ordinal = 0; // position in the clustered key, 0 when not a key column
    bool is_descending_key = false;
    int leaf_offset = 0; // > 0: byte offset of a fixed column; < 0: -(1-based var index)
    int leaf_null_bit = 0;
    int leaf_bit_position = 0; // bit columns: bit within the byte at leaf_offset
    bool has_default = false;  // NOT NULL column added with a default to a non-empty table
    Value default_value;
    bool is_fixed() const { return leaf_offset > 0; }
};

// The record layout of one partition (a heap, a clustered index or a nonclustered index's leaf).
struct RecordLayout {
    std::vector<PhysColumn> cols; // in leaf_null_bit order
    int fixed_end = 4;            // F: offset of the column-count field
    int var_count = 0;            // entries of the variable-column array (all columns)
};

// Fixed part size of a type (0 = variable length, -1 = bit packed with its neighbours).
int fixed_size(const SqlType &t);
// Is the value stored as a 16-byte text pointer whatever its size (text, ntext, image, xml)?
bool always_text_pointer(const SqlType &t);
bool is_max_type(const SqlType &t);

// The bytes of one fixed-length column value (fixed_size(t) bytes; never for bit).
std::string encode_fixed(const SqlType &t, const Value &v);
// The in-row bytes of a variable-length value (varchar in code page 1252, nvarchar UTF-16LE...).
std::string encode_var(const SqlType &t, const Value &v);

// Computes leaf offsets, null bits and bit positions of `cols` (given in partition column order,
// clustered-key columns already first where that applies) and the layout's F and var count.
RecordLayout make_layout(std::vector<PhysColumn> cols);

// Where an off-row value went: the encoder asks `store` to write the bytes to the LOB (or
// row-overflow) allocation unit and gets the pointer to put in the row.
struct OffRow {
    // kind 1 = LOB ((max) types, text/ntext/image/xml), 2 = row-overflow (varchar(n) ...)
    // Returns the pointer bytes (16 for text pointers, 24+ for roots / overflow pointers).
    std::function<std::string(int kind, bool text_pointer, const std::string &data)> store;
};

// One column's input to the encoder: a value, or (dropped columns, unchanged pointers) the raw
// stored bytes to copy, with `complex` telling whether they are a pointer.
struct ColumnInput {
    Value value;
    std::optional<std::string> raw;
    bool complex = false;
};

struct EncodeOptions {
    int stored_columns = -1; // N written into the record; -1 = all columns of the layout
    uint8_t garbage = 0;     // bits OR-ed into the unused high bits of the last bitmap byte
    std::string version_tag; // 14 bytes when the database versions rows, else empty
    const OffRow *off_row = nullptr;
};

// A FixedVar data record (status A 0x10 | 0x20 when variable columns are stored | 0x40 with a
// versioning tag). inputs[i] belongs to layout.cols[i].
std::string encode_record(const RecordLayout &layout, const std::vector<ColumnInput> &inputs,
                          const EncodeOptions &opt = {});

// The stored bytes of one column of a record (fixed bytes, or var bytes with the complex flag);
// nullopt when the record does not store the column (N too small, trailing NULL var, NULL).
struct StoredColumn {
    std::string bytes;
    bool complex = false;
    bool null = false;
};
std::optional<StoredColumn> stored_column(const RecordLayout &layout, const std::string &record,
                                          size_t col);
int stored_column_count(const std::string &record);

// An index record (nonclustered leaf rows, and the clustered key in RowLog Contents 2):
//   1 byte status 0x16 (index record 0x06 | NULL bitmap 0x10), | 0x20 when variable columns
//   the fixed columns' bytes in order
//   2 bytes column count, ceil(n/8) bytes NULL bitmap
//   with variable columns: 2 bytes count, 2 bytes end offset each, the values
// Each key part is (type, value); the order given is the physical order (fixed parts first is
// the caller's business).
std::string encode_index_record(const std::vector<std::pair<SqlType, Value>> &parts);

} // namespace sim::sql
