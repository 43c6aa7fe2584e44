#include "tsql_quote.hpp"

namespace dts::tsql {

namespace {
std::string doubled(std::string_view s, char q, char open, char close, const char *prefix) {
    std::string out = prefix;
    out.reserve(s.size() + 4);
    out += open;
    for (char c : s) {
        out += c;
        if (c == q)
            out += q;
    }
    out += close;
    return out;
}
} // namespace

std::string quote_ident(std::string_view name) {
    return doubled(name, ']', '[', ']', "");
}

std::string quote_literal(std::string_view text) {
    return doubled(text, '\'', '\'', '\'', "N");
}

std::string quote_name(std::string_view db, std::string_view schema, std::string_view object) {
    std::string out;
    if (!db.empty())
        out += quote_ident(db) + ".";
    if (!schema.empty() || !db.empty())
        out += (schema.empty() ? std::string() : quote_ident(schema)) + ".";
    return out + quote_ident(object);
}

std::string object_literal(std::string_view schema, std::string_view object) {
    return quote_literal(quote_name("", schema, object));
}

} // namespace dts::tsql
