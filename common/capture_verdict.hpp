// What a change of a table's CDC capture instances means for the changes the task still has to
// read. The reader knows the instances it read from (kept in dts.tables.capture_seen, so a
// restart knows them too); the source shows the instances there are now. An instance is known by
// its change table's object_id: disabling and re-enabling CDC under the same name makes another.
#pragma once

#include "lsn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dts::capture {

struct Seen {
    int64_t change_table = 0; // cdc.change_tables.object_id
    Lsn start;                // its start_lsn when first seen (cleanup moves it later)
    bool operator==(const Seen &) const = default;
};

enum class Verdict {
    Same,     // nothing changed
    Reload,   // instances came or went, but one the reader knew still covers the position
    Disabled, // the table has no capture instance: its changes are not captured
    Lost,     // no instance the reader knew covers the position: changes may be gone
};

// `next`: the first LSN still to read for the table (the position's next LSN, or later when the
// table joined during the stage: `read_from`). `lost_before`: an earlier verdict of Disabled was
// recorded and not resolved yet.
Verdict judge(const std::vector<Seen> &known, const std::vector<Seen> &current, const Lsn &next,
              const std::optional<Lsn> &read_from, bool lost_before);

// "object_id@lsn" elements of dts.tables.capture_seen, and back (nullopt: unreadable).
std::string to_text(const Seen &s);
std::optional<Seen> from_text(const std::string &text);

} // namespace dts::capture
