#include "fdw_options.hpp"

#include "tsql_filter.hpp"

#include <cerrno>
#include <cstdlib>

namespace dts::fdw {

namespace {

struct Rule {
    const char *name;
    OptionContext where;
    const char *values; // for the hint
};

const Rule kRules[] = {
    {"host", OptionContext::Server, "a host name or IP address"},
    {"port", OptionContext::Server, "1..65535"},
    {"database", OptionContext::Server, "a database name"},
    {"encrypt", OptionContext::Server, "off, request or require"},
    {"login_timeout", OptionContext::Server, "seconds, 1..3600"},
    {"query_timeout", OptionContext::Server, "seconds, 0 (none)..86400"},
    {"app_name", OptionContext::Server, "a client application name"},
    {"tds_version", OptionContext::Server, "7.1, 7.2, 7.3 or 7.4"},
    {"user", OptionContext::UserMapping, "a SQL Server login"},
    {"password", OptionContext::UserMapping, "the login's password"},
    {"schema_name", OptionContext::Table, "the SQL Server schema"},
    {"table_name", OptionContext::Table, "the SQL Server table"},
    {"database_name", OptionContext::Table, "the table's database, when not the server's"},
    {"filter", OptionContext::Table, "a T-SQL search condition every scan applies"},
    {"column_name", OptionContext::Column, "the SQL Server column"},
};

const char *context_name(OptionContext c) {
    switch (c) {
    case OptionContext::Wrapper:
        return "foreign-data wrapper";
    case OptionContext::Server:
        return "server";
    case OptionContext::UserMapping:
        return "user mapping";
    case OptionContext::Table:
        return "foreign table";
    case OptionContext::Column:
        return "column";
    }
    return "object";
}

bool parse_int(const std::string &v, long lo, long hi, long &out) {
    if (v.empty())
        return false;
    char *end = nullptr;
    errno = 0;
    out = std::strtol(v.c_str(), &end, 10);
    return errno == 0 && end && *end == '\0' && out >= lo && out <= hi;
}

[[noreturn]] void bad_value(const std::string &name, const std::string &value, const char *valid) {
    throw Error("HV00C", "invalid value for option \"" + name + "\": \"" + value + "\"", {},
                std::string("Valid values are ") + valid + ".");
}

std::string get(const OptionList &l, const char *name, const std::string &def = {}) {
    for (const auto &[k, v] : l)
        if (k == name)
            return v;
    return def;
}

} // namespace

void validate_option(OptionContext where, const std::string &name, const std::string &value) {
    const Rule *rule = nullptr;
    for (const auto &r : kRules)
        if (name == r.name)
            rule = &r;
    if (!rule || rule->where != where) {
        std::string valid;
        for (const auto &r : kRules)
            if (r.where == where)
                valid += (valid.empty() ? "" : ", ") + std::string(r.name);
        if (rule && rule->where == OptionContext::UserMapping)
            throw Error(
                "HV00D",
                "option \"" + name + "\" belongs in a user mapping, not a " + context_name(where),
                {}, "Put credentials only in CREATE USER MAPPING ... OPTIONS (user, password).");
        throw Error(
            "HV00D", "invalid option \"" + name + "\" for a pg_dts " + context_name(where), {},
            valid.empty() ? "This object takes no options." : "Valid options are: " + valid + ".");
    }
    long n;
    if (name == "port" && !parse_int(value, 1, 65535, n))
        bad_value(name, value, rule->values);
    if (name == "login_timeout" && !parse_int(value, 1, 3600, n))
        bad_value(name, value, rule->values);
    if (name == "query_timeout" && !parse_int(value, 0, 86400, n))
        bad_value(name, value, rule->values);
    if (name == "encrypt" && value != "off" && value != "request" && value != "require")
        bad_value(name, value, rule->values);
    if (name == "tds_version" && value != "7.1" && value != "7.2" && value != "7.3" &&
        value != "7.4")
        bad_value(name, value, rule->values);
    // A filter is one search condition: it must stay inside the WHERE's parentheses.
    if (name == "filter" && !value.empty())
        if (auto why = tsql::search_condition_error(value))
            throw Error("HV00D", "option \"filter\" must be one T-SQL search condition: " + *why,
                        {}, "e.g. filter '[region] = N''EU'' AND [id] > 100'.");
    if ((name == "host" || name == "database" || name == "user" || name == "schema_name" ||
         name == "table_name" || name == "column_name" || name == "database_name" ||
         name == "filter") &&
        value.empty())
        throw Error("HV00C", "option \"" + name + "\" must not be empty");
}

tds::ServerOptions server_options(const std::string &label, const OptionList &server) {
    tds::ServerOptions o;
    o.label = label;
    o.host = get(server, "host", "localhost");
    o.port = std::atoi(get(server, "port", "1433").c_str());
    o.database = get(server, "database");
    o.encrypt = get(server, "encrypt", "request");
    o.login_timeout = std::atoi(get(server, "login_timeout", "15").c_str());
    o.query_timeout = std::atoi(get(server, "query_timeout", "0").c_str());
    o.app_name = get(server, "app_name", "pg_dts");
    o.tds_version = get(server, "tds_version", "7.4");
    return o;
}

tds::Credentials credentials(const std::string &server_label, const OptionList &um) {
    tds::Credentials c{get(um, "user"), get(um, "password")};
    if (c.user.empty())
        throw Error("28000", "no SQL Server login for server \"" + server_label + "\"", {},
                    "Create one: CREATE USER MAPPING FOR CURRENT_USER SERVER " + server_label +
                        " OPTIONS (user '...', password '...').");
    return c;
}

} // namespace dts::fdw
