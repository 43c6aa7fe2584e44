// The physical row layouts a log reader decoded with, kept between its runs (dts.checkpoints,
// stage 'log_layouts') and from one reader to the next after DDL. The catalog only shows the
// layout as it is now; a reader that starts behind DDL (it was stopped, or it lags) would decode
// older records with it. What a kept layout allows:
// - an allocation unit that is gone (SQL Server gives a rebuilt index new ones): its records are
//   all older than the rebuild and are decoded with the layout kept for it;
// - a unit still there whose layout now only extends the kept one (columns appended or dropped
//   in place, ALTER TABLE ADD / DROP COLUMN without a rebuild): older records decode the same;
// - anything else (the same unit re-laid out): older records cannot be decoded with certainty,
//   and the reader stops, naming the table and what changed.
// Pure C++, unit-tested.
#pragma once

#include "log_layout.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dts::logrec {

// Per source table (its display name, db.schema.table), per allocation unit: the layout.
using KeptLayouts = std::map<std::string, std::map<int64_t, Layout>>;

std::string encode_layouts(const KeptLayouts &kept);
// Throws std::invalid_argument on text encode_layouts did not write.
KeptLayouts decode_layouts(std::string_view text);

// Whether every record written with `older` decodes to the same values with `newer`: nullopt
// when it does, else what differs (for the error message). Columns must keep their partition
// column id, name (a column renamed to a name no other column had is the same column), offset, NULL
// bit, bit position, type, length (a variable-length column may change its maximum), precision,
// scale, collation, key ordinal, uniquifier flag and the default that records written before it was
// added read as; a column may become dropped, not the reverse. A column `newer` adds must come
// after all of `older`'s: a higher NULL bit, a fixed offset at or past the end of `older`'s fixed
// data, a later variable slot.
std::optional<std::string> layout_change(const Layout &older, const Layout &newer);

} // namespace dts::logrec
