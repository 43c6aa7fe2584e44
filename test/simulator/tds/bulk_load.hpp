// Decoding of a bulk load message (MS-TDS 2.2.6.1, packet type 7): the rows a client sends after
// an INSERT BULK statement, as COLMETADATA, ROW tokens and DONE. Pure function over the
// reassembled payload, unit-tested without sockets.
#pragma once

#include "engine.hpp"

#include <string_view>

namespace sim::tds {

// Throws ProtocolError on a malformed stream.
BulkRows parse_bulk_load(std::string_view payload);

} // namespace sim::tds
