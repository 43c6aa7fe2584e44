// The options the pg_dts foreign data wrapper accepts, where, and what values they take. Pure so
// the validator's messages are unit-tested; extension/src/fdw_options.cpp applies it.
#pragma once

#include "tds_connection.hpp"

#include <string>
#include <utility>
#include <vector>

namespace dts::fdw {

enum class OptionContext { Wrapper, Server, UserMapping, Table, Column };

// Throws dts::Error (SQLSTATE HV00D invalid option name, HV00C invalid option value) naming the
// option and the fix.
void validate_option(OptionContext where, const std::string &name, const std::string &value);

using OptionList = std::vector<std::pair<std::string, std::string>>;

// Server options + user mapping options -> connection settings. `label` names the server.
tds::ServerOptions server_options(const std::string &label, const OptionList &server);
tds::Credentials credentials(const std::string &server_label, const OptionList &user_mapping);

} // namespace dts::fdw
