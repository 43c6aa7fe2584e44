#include "sqltypes.hpp"

#include "errors.hpp"
#include "parser.hpp"
#include "tds/bytes.hpp"
#include "tds/temporal.hpp"
#include "tds/type_codec.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace sim::sql {

using tds::Temporal;

bool is_string(TypeId id) {
    switch (id) {
    case TypeId::Char:
    case TypeId::VarChar:
    case TypeId::NChar:
    case TypeId::NVarChar:
    case TypeId::Text:
    case TypeId::NText:
    case TypeId::Xml:
        return true;
    default:
        return false;
    }
}
bool is_unicode(TypeId id) {
    return id == TypeId::NChar || id == TypeId::NVarChar || id == TypeId::NText ||
           id == TypeId::Xml;
}
bool is_binary(TypeId id) {
    switch (id) {
    case TypeId::Binary:
    case TypeId::VarBinary:
    case TypeId::Image:
    case TypeId::Timestamp:
    case TypeId::HierarchyId:
    case TypeId::Geometry:
    case TypeId::Geography:
        return true;
    default:
        return false;
    }
}
bool is_integer(TypeId id) {
    return id == TypeId::Bit || id == TypeId::TinyInt || id == TypeId::SmallInt ||
           id == TypeId::Int || id == TypeId::BigInt;
}
bool is_exact_decimal(TypeId id) {
    return id == TypeId::Decimal || id == TypeId::Numeric || id == TypeId::Money ||
           id == TypeId::SmallMoney;
}
bool is_numeric(TypeId id) {
    return is_integer(id) || is_exact_decimal(id) || id == TypeId::Real || id == TypeId::Float;
}
bool is_temporal(TypeId id) {
    return id == TypeId::Date || id == TypeId::Time || id == TypeId::DateTime ||
           id == TypeId::SmallDateTime || id == TypeId::DateTime2 || id == TypeId::DateTimeOffset;
}

std::string type_name(TypeId id) {
    SqlType t;
    t.id = id;
    std::string s = type_to_string(t);
    size_t paren = s.find('(');
    return paren == std::string::npos ? s : s.substr(0, paren);
}

TypeFacts type_facts(const SqlType &t) {
    auto temporal_len = [](int n) { return n <= 2 ? 0 : n <= 4 ? 1 : 2; };
    const int L = t.length;
    switch (t.id) {
    case TypeId::Bit:
        return {104, 104, 1, 1, 0, false};
    case TypeId::TinyInt:
        return {48, 48, 1, 3, 0, false};
    case TypeId::SmallInt:
        return {52, 52, 2, 5, 0, false};
    case TypeId::Int:
        return {56, 56, 4, 10, 0, false};
    case TypeId::BigInt:
        return {127, 127, 8, 19, 0, false};
    case TypeId::Decimal:
    case TypeId::Numeric: {
        int p = t.precision;
        int len = p <= 9 ? 5 : p <= 19 ? 9 : p <= 28 ? 13 : 17;
        int id = t.id == TypeId::Decimal ? 106 : 108;
        return {id, id, len, p, t.scale, false};
    }
    case TypeId::Money:
        return {60, 60, 8, 19, 4, false};
    case TypeId::SmallMoney:
        return {122, 122, 4, 10, 4, false};
    case TypeId::Real:
        return {59, 59, 4, 24, 0, false};
    case TypeId::Float:
        return {62, 62, 8, 53, 0, false};
    case TypeId::Date:
        return {40, 40, 3, 10, 0, false};
    case TypeId::Time:
        return {41, 41, 3 + temporal_len(t.scale), 8 + (t.scale ? t.scale + 1 : 0), t.scale, false};
    case TypeId::DateTime:
        return {61, 61, 8, 23, 3, false};
    case TypeId::SmallDateTime:
        return {58, 58, 4, 16, 0, false};
    case TypeId::DateTime2:
        return {42,      42,   6 + temporal_len(t.scale), 19 + (t.scale ? t.scale + 1 : 0),
                t.scale, false};
    case TypeId::DateTimeOffset:
        return {43,      43,   8 + temporal_len(t.scale), 26 + (t.scale ? t.scale + 1 : 0),
                t.scale, false};
    case TypeId::Char:
        return {175, 175, L, 0, 0, true};
    case TypeId::VarChar:
        return {167, 167, L == SqlType::kMax ? -1 : L, 0, 0, true};
    case TypeId::NChar:
        return {239, 239, 2 * L, 0, 0, true};
    case TypeId::NVarChar:
        return {231, 231, L == SqlType::kMax ? -1 : 2 * L, 0, 0, true};
    case TypeId::Text:
        return {35, 35, 16, 0, 0, true};
    case TypeId::NText:
        return {99, 99, 16, 0, 0, true};
    case TypeId::Binary:
        return {173, 173, L, 0, 0, false};
    case TypeId::VarBinary:
        return {165, 165, L == SqlType::kMax ? -1 : L, 0, 0, false};
    case TypeId::Image:
        return {34, 34, 16, 0, 0, false};
    case TypeId::UniqueIdentifier:
        return {36, 36, 16, 0, 0, false};
    case TypeId::Xml:
        return {241, 241, -1, 0, 0, false};
    case TypeId::Timestamp:
        return {189, 189, 8, 0, 0, false};
    case TypeId::HierarchyId:
        return {240, 128, 892, 0, 0, false};
    case TypeId::Geometry:
        return {240, 129, -1, 0, 0, false};
    case TypeId::Geography:
        return {240, 130, -1, 0, 0, false};
    case TypeId::SqlVariant:
        return {98, 98, 8016, 0, 0, false};
    }
    return {56, 56, 4, 10, 0, false};
}

std::string storage_decl(const SqlType &t) {
    std::string base = type_name(t.id);
    for (auto &c : base)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (is_integer(t.id))
        return "MSSQL_" + base + (t.id == TypeId::Bit ? "_INT" : "");
    if (t.id == TypeId::Real || t.id == TypeId::Float)
        return "MSSQL_" + base + "_REAL";
    if (is_exact_decimal(t.id))
        return "MSSQL_" + base + "_TEXT COLLATE SIM_DEC";
    if (is_temporal(t.id))
        return "MSSQL_" + base + "_TEXT COLLATE SIM_DT";
    if (is_string(t.id) || t.id == TypeId::UniqueIdentifier)
        return "MSSQL_" + base + "_TEXT COLLATE SIM_CI";
    return "MSSQL_" + base + "_BLOB";
}

namespace {

// The engine's own text of a datetime / datetime2 / datetimeoffset value, "YYYY-MM-DD
// hh:mm:ss.fffffff[ +hh:mm]": seven fraction digits, which no datetime string literal has.
bool canonical_temporal(const std::string &s) {
    if (s.size() != 27 && s.size() != 34)
        return false;
    static const char kShape[] = "dddd-dd-dd dd:dd:dd.ddddddd #dd:dd";
    for (size_t i = 0; i < s.size(); ++i) {
        const char want = kShape[i];
        const char c = s[i];
        if (want == 'd'   ? !(c >= '0' && c <= '9')
            : want == '#' ? !(c == '+' || c == '-')
                          : c != want)
            return false;
    }
    return true;
}

[[noreturn]] void conversion_failed(const Value &v, const std::string &from, const SqlType &t) {
    std::string target = type_name(t.id);
    if (is_temporal(t.id))
        throw sql_error(241, 1, 16,
                        "Conversion failed when converting date and/or time from character "
                        "string.");
    if (t.id == TypeId::UniqueIdentifier)
        throw sql_error(8169, 2, 16,
                        "Conversion failed when converting from a character string to "
                        "uniqueidentifier.");
    if (is_exact_decimal(t.id) || t.id == TypeId::Real || t.id == TypeId::Float)
        throw sql_error(8114, 5, 16, "Error converting data type " + from + " to " + target + ".");
    throw sql_error(245, 1, 16,
                    "Conversion failed when converting the " + from + " value '" + v.s +
                        "' to data type " + target + ".");
}

[[noreturn]] void overflow(const SqlType &t, const std::string &from) {
    std::string target = type_name(t.id);
    if (is_exact_decimal(t.id) && !(t.id == TypeId::Money || t.id == TypeId::SmallMoney))
        throw sql_error(8115, 8, 16,
                        "Arithmetic overflow error converting " + from + " to data type numeric.");
    throw sql_error(8115, 2, 16,
                    "Arithmetic overflow error converting expression to data type " + target + ".");
}

[[noreturn]] void truncated() {
    throw sql_error(8152, 30, 16, "String or binary data would be truncated.");
}

std::string trim(std::string s) {
    size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos)
        return {};
    size_t b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

std::string real_to_text(double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    // Shortest text that reads back to the same double.
    for (int prec = 1; prec <= 17; ++prec) {
        char b2[64];
        std::snprintf(b2, sizeof b2, "%.*g", prec, d);
        if (std::strtod(b2, nullptr) == d)
            return b2;
    }
    return buf;
}

std::string value_text(const Value &v) {
    switch (v.kind) {
    case Value::Kind::Int:
        return std::to_string(v.i);
    case Value::Kind::Real:
        return real_to_text(v.d);
    case Value::Kind::Blob:
        return tds::cp1252_to_utf8(v.s);
    default:
        return v.s;
    }
}

std::string source_name(const Value &v, const std::string &source_type) {
    if (!source_type.empty())
        return source_type;
    switch (v.kind) {
    case Value::Kind::Int:
        return "int";
    case Value::Kind::Real:
        return "float";
    case Value::Kind::Blob:
        return "varbinary";
    default:
        return "varchar";
    }
}

bool parse_integer(const std::string &s, int64_t &out) {
    std::string t = trim(s);
    if (t.empty())
        return false;
    size_t i = 0;
    if (t[0] == '+' || t[0] == '-')
        ++i;
    if (i == t.size())
        return false;
    for (size_t k = i; k < t.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(t[k])))
            return false;
    errno = 0;
    out = std::strtoll(t.c_str(), nullptr, 10);
    return errno == 0;
}

bool looks_numeric(const std::string &s) {
    std::string t = trim(s);
    if (t.empty())
        return false;
    char *end = nullptr;
    std::strtod(t.c_str(), &end);
    return end && *end == '\0';
}

int64_t round_ticks(int64_t ticks, int scale) {
    int64_t unit = 1;
    for (int i = scale; i < 7; ++i)
        unit *= 10;
    return (ticks + unit / 2) / unit * unit;
}

Value temporal_out(Temporal t, const SqlType &ty) {
    using namespace tds;
    auto carry = [&]() {
        if (t.ticks >= kTicksPerDay) {
            t.ticks -= kTicksPerDay;
            ++t.days;
        }
    };
    switch (ty.id) {
    case TypeId::Date:
        return Value::text(format_date(t.days));
    case TypeId::Time:
        t.ticks = round_ticks(t.ticks, ty.scale) % kTicksPerDay;
        return Value::text(format_time(t.ticks));
    case TypeId::DateTime2:
        t.ticks = round_ticks(t.ticks, ty.scale);
        carry();
        return Value::text(format_datetime(t.days, t.ticks));
    case TypeId::DateTimeOffset:
        t.ticks = round_ticks(t.ticks, ty.scale);
        carry();
        return Value::text(format_datetime(t.days, t.ticks) + " " +
                           format_offset(t.offset_minutes));
    case TypeId::DateTime: {
        // 1/300 s ticks, shown as SQL Server shows them: .000, .003, .007
        int64_t t300 = (t.ticks * 3 + 50000) / 100000;
        int64_t ms = (t300 * 10 + 1) / 3;
        t.ticks = ms * 10000;
        carry();
        if (t.days < days_from_civil(1753, 1, 1) || t.days > days_from_civil(9999, 12, 31))
            throw sql_error(242, 3, 16,
                            "The conversion of a varchar data type to a datetime data type "
                            "resulted in an out-of-range value.");
        return Value::text(format_datetime(t.days, t.ticks));
    }
    case TypeId::SmallDateTime: {
        int64_t minute = 600000000;
        t.ticks = (t.ticks + minute / 2 - 1) / minute * minute;
        carry();
        if (t.days < days_from_civil(1900, 1, 1) || t.days > days_from_civil(2079, 6, 6))
            throw sql_error(242, 3, 16,
                            "The conversion of a varchar data type to a smalldatetime data type "
                            "resulted in an out-of-range value.");
        return Value::text(format_datetime(t.days, t.ticks));
    }
    default:
        return Value::null();
    }
}

Value to_decimal(const Value &v, const SqlType &t, const std::string &from) {
    int scale = t.id == TypeId::Money || t.id == TypeId::SmallMoney ? 4 : t.scale;
    int precision = t.id == TypeId::Money ? 19 : t.id == TypeId::SmallMoney ? 10 : t.precision;
    bool neg = false;
    unsigned __int128 m = 0;
    if (v.kind == Value::Kind::Int) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.i));
        tds::parse_scaled(buf, scale, neg, m);
    } else if (v.kind == Value::Kind::Real) {
        if (!std::isfinite(v.d))
            overflow(t, from);
        char buf[400];
        std::snprintf(buf, sizeof buf, "%.*f", scale, v.d);
        tds::parse_scaled(buf, scale, neg, m);
    } else {
        std::string s = trim(value_text(v));
        if (!s.empty() && (s.find('e') != std::string::npos || s.find('E') != std::string::npos) &&
            looks_numeric(s)) {
            char buf[400];
            std::snprintf(buf, sizeof buf, "%.*f", scale, std::strtod(s.c_str(), nullptr));
            s = buf;
        }
        if (t.id == TypeId::Money || t.id == TypeId::SmallMoney) {
            if (!s.empty() && s[0] == '$')
                s = s.substr(1);
        }
        if (!looks_numeric(s))
            conversion_failed(v, from, t);
        tds::parse_scaled(s, scale, neg, m);
    }
    unsigned __int128 limit = 1;
    for (int i = 0; i < precision; ++i)
        limit *= 10;
    if (t.id == TypeId::Money) {
        unsigned __int128 max = static_cast<unsigned __int128>(INT64_MAX) + (neg ? 1 : 0);
        if (m > max)
            overflow(t, from);
    } else if (t.id == TypeId::SmallMoney) {
        if (m > static_cast<unsigned __int128>(INT32_MAX) + (neg ? 1 : 0))
            overflow(t, from);
    } else if (m >= limit) {
        overflow(t, from);
    }
    return Value::text(tds::format_scaled(neg, m, scale));
}

Value to_integer(const Value &v, const SqlType &t, const std::string &from) {
    int64_t x = 0;
    switch (v.kind) {
    case Value::Kind::Int:
        x = v.i;
        break;
    case Value::Kind::Real:
        if (!std::isfinite(v.d) || std::fabs(v.d) >= 9.3e18)
            overflow(t, from);
        x = static_cast<int64_t>(v.d);
        break;
    case Value::Kind::Blob: {
        for (unsigned char c : v.s)
            x = x << 8 | c;
        break;
    }
    default: {
        std::string s = trim(v.s);
        if (t.id == TypeId::Bit) {
            std::string u = s;
            for (auto &c : u)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (u == "TRUE")
                return Value::integer(1);
            if (u == "FALSE")
                return Value::integer(0);
        }
        if (from == "numeric" || from == "decimal" || from == "money" || from == "smallmoney") {
            // exact numerics convert by truncation toward zero
            std::string ip = s.substr(0, s.find('.'));
            if (!parse_integer(ip.empty() || ip == "-" ? "0" : ip, x))
                overflow(t, from);
            break;
        }
        if (!parse_integer(s, x)) {
            Value shown = Value::text(v.s);
            conversion_failed(shown, from, t);
        }
    }
    }
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    switch (t.id) {
    case TypeId::Bit:
        return Value::integer(x != 0 ? 1 : 0);
    case TypeId::TinyInt:
        lo = 0, hi = 255;
        break;
    case TypeId::SmallInt:
        lo = INT16_MIN, hi = INT16_MAX;
        break;
    case TypeId::Int:
        lo = INT32_MIN, hi = INT32_MAX;
        break;
    default:
        break;
    }
    if (x < lo || x > hi)
        overflow(t, from);
    return Value::integer(x);
}

Value to_string(const Value &v, const SqlType &t) {
    std::string s = value_text(v);
    if (t.id == TypeId::Char || t.id == TypeId::VarChar || t.id == TypeId::Text)
        s = tds::cp1252_to_utf8(tds::utf8_to_cp1252(s)); // what a CP1252 column can hold
    if (t.length > 0 && (t.id == TypeId::Char || t.id == TypeId::VarChar || t.id == TypeId::NChar ||
                         t.id == TypeId::NVarChar)) {
        size_t limit = static_cast<size_t>(t.length);
        bool unicode = is_unicode(t.id);
        size_t units = unicode ? tds::utf16_units(s) : tds::utf8_to_cp1252(s).size();
        if (units > limit) {
            // Trailing blanks beyond the length are dropped silently (ANSI_PADDING).
            while (units > limit && !s.empty() && s.back() == ' ') {
                s.pop_back();
                --units;
            }
            if (units > limit)
                truncated();
        }
        if (t.id == TypeId::Char || t.id == TypeId::NChar)
            s.append(limit - units, ' ');
    }
    return Value::text(s);
}

Value to_binary(const Value &v, const SqlType &t) {
    std::string b;
    switch (v.kind) {
    case Value::Kind::Blob:
        b = v.s;
        break;
    case Value::Kind::Int: {
        int bytes = (v.i >= INT32_MIN && v.i <= INT32_MAX) ? 4 : 8;
        for (int i = bytes - 1; i >= 0; --i)
            b += static_cast<char>(v.i >> (8 * i));
        break;
    }
    default:
        b = tds::utf8_to_cp1252(value_text(v));
    }
    if (t.length > 0 && (t.id == TypeId::Binary || t.id == TypeId::VarBinary)) {
        if (b.size() > static_cast<size_t>(t.length))
            truncated();
        if (t.id == TypeId::Binary)
            b.resize(static_cast<size_t>(t.length), '\0');
    }
    return Value::blob(b);
}

Value to_guid(const Value &v, const SqlType &t, const std::string &from) {
    if (v.kind == Value::Kind::Blob && v.s.size() == 16)
        return Value::text(tds::guid_from_wire(v.s));
    std::string s = trim(value_text(v));
    if (s.size() == 38 && s.front() == '{' && s.back() == '}')
        s = s.substr(1, 36);
    static const int dash[] = {8, 13, 18, 23};
    bool ok = s.size() == 36;
    for (size_t i = 0; ok && i < s.size(); ++i) {
        bool d = i == 8 || i == 13 || i == 18 || i == 23;
        ok = d ? s[i] == '-' : std::isxdigit(static_cast<unsigned char>(s[i])) != 0;
    }
    (void)dash;
    if (!ok)
        conversion_failed(v, from, t);
    for (auto &c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Value::text(s);
}

} // namespace

Value convert_value(const Value &v, const SqlType &t, const std::string &source_type) {
    if (v.is_null())
        return v;
    std::string from = source_name(v, source_type);
    if (is_integer(t.id))
        return to_integer(v, t, from);
    if (is_exact_decimal(t.id))
        return to_decimal(v, t, from);
    switch (t.id) {
    case TypeId::Real:
    case TypeId::Float: {
        double d;
        if (v.kind == Value::Kind::Int)
            d = static_cast<double>(v.i);
        else if (v.kind == Value::Kind::Real)
            d = v.d;
        else {
            std::string s = trim(value_text(v));
            if (!looks_numeric(s))
                conversion_failed(v, from, t);
            d = std::strtod(s.c_str(), nullptr);
        }
        if (t.id == TypeId::Real)
            d = static_cast<double>(static_cast<float>(d));
        return Value::real(d);
    }
    case TypeId::Date:
    case TypeId::Time:
    case TypeId::DateTime:
    case TypeId::SmallDateTime:
    case TypeId::DateTime2:
    case TypeId::DateTimeOffset: {
        if (v.kind == Value::Kind::Int || v.kind == Value::Kind::Real) {
            if (t.id != TypeId::DateTime && t.id != TypeId::SmallDateTime)
                throw sql_error(206, 2, 16,
                                "Operand type clash: int is incompatible with " + type_name(t.id));
            double days = v.kind == Value::Kind::Int ? static_cast<double>(v.i) : v.d;
            Temporal tm;
            tm.days = tds::kDays1900 + static_cast<int64_t>(std::floor(days));
            tm.ticks = static_cast<int64_t>((days - std::floor(days)) * tds::kTicksPerDay);
            return temporal_out(tm, t);
        }
        // Strings are read with the session's DATEFORMAT; datetime and smalldatetime read
        // "YYYY-xx-xx" by it too (SQL Server's older types; ISO 8601 with its T is exempt).
        // A value of a date/time type is no string: its canonical text is year, month, day.
        const std::string text = value_text(v);
        const bool temporal_value = from == "date" || from == "datetime" || from == "datetime2" ||
                                    from == "smalldatetime" || from == "datetimeoffset" ||
                                    canonical_temporal(text);
        auto parsed = tds::parse_temporal(
            text, !temporal_value && (t.id == TypeId::DateTime || t.id == TypeId::SmallDateTime));
        if (!parsed && (t.id == TypeId::DateTime || t.id == TypeId::SmallDateTime) &&
            tds::last_parse_out_of_range())
            throw sql_error(242, 3, 16,
                            "The conversion of a " + from + " data type to a " + type_name(t.id) +
                                " data type resulted in an out-of-range value.");
        if (!parsed)
            conversion_failed(v, from, t);
        Temporal tm = *parsed;
        // A time-only string converts with the date 1900-01-01, as SQL Server does.
        if (!tm.has_date && t.id != TypeId::Time)
            tm.days = tds::kDays1900;
        return temporal_out(tm, t);
    }
    case TypeId::Char:
    case TypeId::VarChar:
    case TypeId::NChar:
    case TypeId::NVarChar:
    case TypeId::Text:
    case TypeId::NText:
    case TypeId::Xml:
        return to_string(v, t);
    case TypeId::UniqueIdentifier:
        return to_guid(v, t, from);
    case TypeId::SqlVariant:
        return v;
    default:
        return to_binary(v, t);
    }
}

int64_t datalength(const Value &v, const SqlType &t) {
    if (v.is_null())
        return -1;
    if (v.kind == Value::Kind::Blob)
        return static_cast<int64_t>(v.s.size());
    if (is_string(t.id)) {
        if (is_unicode(t.id))
            return static_cast<int64_t>(2 * tds::utf16_units(v.s));
        return static_cast<int64_t>(tds::utf8_to_cp1252(v.s).size());
    }
    return type_facts(t).max_length > 0 ? type_facts(t).max_length
                                        : static_cast<int64_t>(v.s.size());
}

SqlType type_of_value(const Value &v) {
    SqlType t;
    switch (v.kind) {
    case Value::Kind::Int:
        t.id = (v.i >= INT32_MIN && v.i <= INT32_MAX) ? TypeId::Int : TypeId::BigInt;
        break;
    case Value::Kind::Real:
        t.id = TypeId::Float;
        break;
    case Value::Kind::Blob:
        t.id = TypeId::VarBinary;
        t.length = SqlType::kMax;
        break;
    case Value::Kind::Text:
        t.id = TypeId::NVarChar;
        t.length = SqlType::kMax;
        break;
    default:
        t.id = TypeId::Int;
    }
    return t;
}

} // namespace sim::sql
