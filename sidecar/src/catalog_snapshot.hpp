// The source database's tables, columns and indexes as log mode compares them to tell what a DDL
// transaction changed (common/catalog_diff).
#pragma once

#include "catalog_diff.hpp"
#include "tds_connection.hpp"

namespace sidecar {

dts::ddl::Catalog read_catalog(dts::tds::Connection &src);

} // namespace sidecar
