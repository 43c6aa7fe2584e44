// The physical layout of a table's rows as SQL Server stores them (FixedVar format, see
// ../shared/research/sql-server-log-format.md §3): what the transaction-log decoder
// (row_decoder.hpp) needs to turn a row image into column values. Built by the reader from
// sys.system_internals_partition_columns joined to sys.columns; pure C++, unit-tested.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dts::logrec {

// A row image or layout the decoder cannot decode with certainty. The message says what, at which
// byte and for which column; the decoder never guesses a value instead.
struct DecodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One row of sys.system_internals_partition_columns joined to sys.columns (name empty when
// dropped).
struct PhysColumn {
    std::string name; // destination-facing column name; "" for dropped/uniquifier
    int partition_column_id = 0;
    int leaf_offset = 0;       // > 0: fixed data at this byte offset; < 0: -(1-based index in the
                               // variable array)
    int leaf_null_bit = 0;     // 1-based bit in the NULL bitmap
    int leaf_bit_position = 0; // bit columns: bit within the byte at leaf_offset
    bool is_dropped = false, is_uniqueifier = false, is_nullable = true, is_sparse = false;
    int system_type_id = 0; // sys.types system_type_id (56 int, 167 varchar, 231 nvarchar, ...)
    int max_length = 0;     // bytes; -1 for (max)
    int precision = 0, scale = 0;
    int key_ordinal = 0; // > 0: position in the clustered key
    // has_default: the value of this column in records written before it was added (their column
    // count is smaller). Already in the final text form: the reader selects it converted to the
    // column's own type (CAST(default_value AS <type>)) and turns it into text with
    // dts::tds::value_to_text, exactly like a value read over TDS. Used verbatim.
    std::optional<std::string> default_value;
    std::string collation_name; // char/varchar: only code-page-1252 collations accepted
};

struct Layout {
    std::vector<PhysColumn> columns; // by partition_column_id
    // Checks the layout is one the decoder supports (throws DecodeError naming the column and why:
    // sparse, unsupported type such as sql_variant/hierarchyid/geometry, non-1252 char collation,
    // inconsistent offsets, NULL bits or key ordinals ...).
    void validate() const;
    // validate() the first time only: the decode functions call it for every record, and a
    // layout is built once and not changed after its first decode (a changed layout is a new
    // Layout, or is validate()d again explicitly).
    void validate_once() const;

private:
    mutable bool valid_ = false;
};

// The bytes a fixed-length column of this type occupies in a record (bit: 1, the shared byte), or
// 0 for the variable-length types. Throws DecodeError for types the decoder does not support.
int fixed_size(const PhysColumn &c);
// The end of the layout's fixed-data area, dropped columns included (their bytes stay in the rows
// until a rebuild); nullopt when a dropped column's size is unknown.
std::optional<size_t> fixed_data_end(const Layout &layout);
// True for a char/varchar collation whose code page is 1252 (the Latin1_General family and the
// other Windows and SQL collations on that code page; no _UTF8 collation).
bool is_cp1252_collation(const std::string &collation);
// "column 'name' (partition column 3)" / "dropped column (partition column 3)" for messages.
std::string describe(const PhysColumn &c);

} // namespace dts::logrec
