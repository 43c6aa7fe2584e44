#include "functions.hpp"

#include "dblog.hpp"

#include "cdc.hpp"

#include "errors.hpp"
#include "parser.hpp"
#include "principals.hpp"
#include "sessions.hpp"
#include "sqlite_db.hpp"
#include "sqltypes.hpp"
#include "tds/bytes.hpp"
#include "tds/temporal.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <strings.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>

namespace sim::sql {

namespace {

FunctionHost *host_of(sqlite3_context *c) {
    return static_cast<FunctionHost *>(sqlite3_user_data(c));
}

Value arg(sqlite3_value *v) {
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        return Value::integer(sqlite3_value_int64(v));
    case SQLITE_FLOAT:
        return Value::real(sqlite3_value_double(v));
    case SQLITE_TEXT:
        return Value::text(std::string(reinterpret_cast<const char *>(sqlite3_value_text(v)),
                                       static_cast<size_t>(sqlite3_value_bytes(v))));
    case SQLITE_BLOB: {
        const char *b = static_cast<const char *>(sqlite3_value_blob(v));
        return Value::blob(std::string(b ? b : "", static_cast<size_t>(sqlite3_value_bytes(v))));
    }
    default:
        return Value::null();
    }
}

std::string text_arg(sqlite3_value *v) {
    const unsigned char *t = sqlite3_value_text(v);
    return t ? std::string(reinterpret_cast<const char *>(t),
                           static_cast<size_t>(sqlite3_value_bytes(v)))
             : std::string();
}

bool is_null(sqlite3_value *v) {
    return sqlite3_value_type(v) == SQLITE_NULL;
}

void result(sqlite3_context *c, const Value &v) {
    switch (v.kind) {
    case Value::Kind::Null:
        sqlite3_result_null(c);
        break;
    case Value::Kind::Int:
        sqlite3_result_int64(c, v.i);
        break;
    case Value::Kind::Real:
        sqlite3_result_double(c, v.d);
        break;
    case Value::Kind::Text:
        sqlite3_result_text(c, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
        break;
    case Value::Kind::Blob:
        sqlite3_result_blob(c, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
        break;
    }
}

void result_text(sqlite3_context *c, const std::string &s) {
    sqlite3_result_text(c, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void raise(sqlite3_context *c, const SqlError &e) {
    std::string msg = encode_error(e.msg);
    sqlite3_result_error(c, msg.c_str(), static_cast<int>(msg.size()));
}

// Wraps a function body so SqlError becomes an SQLite error carrying SQL Server's message.
template <typename F> void guarded(sqlite3_context *c, F &&f) {
    try {
        f();
    } catch (const SqlError &e) {
        raise(c, e);
    } catch (const std::exception &e) {
        sqlite3_result_error(c, e.what(), -1);
    }
}

// ---- collations ------------------------------------------------------------------------------

// Case-insensitive, accent-sensitive, trailing blanks ignored (SQL_Latin1_General_CP1_CI_AS).
char32_t fold(char32_t c) {
    if (c < 0x80)
        return static_cast<char32_t>(std::tolower(static_cast<int>(c)));
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 0x20;
    if (c >= 0x100 && c < 0x180 && (c % 2) == 0)
        return c + 1;
    if (c >= 0x391 && c <= 0x3A9)
        return c + 0x20;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    return c;
}

char32_t decode(const unsigned char *&p, const unsigned char *end) {
    unsigned char c = *p++;
    if (c < 0x80)
        return c;
    int extra = (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : 3;
    char32_t cp = c & (0x3F >> extra);
    for (int i = 0; i < extra && p < end; ++i)
        cp = cp << 6 | (*p++ & 0x3F);
    return cp;
}

int ci_compare(void *, int n1, const void *a, int n2, const void *b) {
    auto pa = static_cast<const unsigned char *>(a), pb = static_cast<const unsigned char *>(b);
    while (n1 > 0 && pa[n1 - 1] == ' ')
        --n1;
    while (n2 > 0 && pb[n2 - 1] == ' ')
        --n2;
    const unsigned char *ea = pa + n1, *eb = pb + n2;
    while (pa < ea && pb < eb) {
        char32_t x = fold(decode(pa, ea)), y = fold(decode(pb, eb));
        if (x != y)
            return x < y ? -1 : 1;
    }
    if (pa < ea)
        return 1;
    if (pb < eb)
        return -1;
    return 0;
}

// Decimal text compared by value.
int dec_compare(void *, int n1, const void *a, int n2, const void *b) {
    std::string x(static_cast<const char *>(a), static_cast<size_t>(n1));
    std::string y(static_cast<const char *>(b), static_cast<size_t>(n2));
    auto norm = [](std::string s, bool &neg, std::string &ip, std::string &fp) {
        size_t i = 0;
        while (i < s.size() && s[i] == ' ')
            ++i;
        neg = i < s.size() && s[i] == '-';
        if (i < s.size() && (s[i] == '-' || s[i] == '+'))
            ++i;
        size_t dot = s.find('.', i);
        ip = s.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
        fp = dot == std::string::npos ? "" : s.substr(dot + 1);
        while (!ip.empty() && ip[0] == '0')
            ip.erase(0, 1);
        while (!fp.empty() && (fp.back() == '0' || fp.back() == ' '))
            fp.pop_back();
        for (char c : ip + fp)
            if (c < '0' || c > '9')
                return false;
        if (ip.empty() && fp.empty())
            neg = false;
        return true;
    };
    bool nx, ny;
    std::string ix, fx, iy, fy;
    if (!norm(x, nx, ix, fx) || !norm(y, ny, iy, fy)) {
        double dx = std::strtod(x.c_str(), nullptr), dy = std::strtod(y.c_str(), nullptr);
        return dx < dy ? -1 : dx > dy ? 1 : 0;
    }
    if (nx != ny)
        return nx ? -1 : 1;
    int mag;
    if (ix.size() != iy.size())
        mag = ix.size() < iy.size() ? -1 : 1;
    else if (ix != iy)
        mag = ix < iy ? -1 : 1;
    else {
        size_t n = std::max(fx.size(), fy.size());
        fx.resize(n, '0');
        fy.resize(n, '0');
        mag = fx == fy ? 0 : fx < fy ? -1 : 1;
    }
    return nx ? -mag : mag;
}

int dt_compare(void *, int n1, const void *a, int n2, const void *b) {
    auto x = tds::parse_temporal(
        std::string_view(static_cast<const char *>(a), static_cast<size_t>(n1)));
    auto y = tds::parse_temporal(
        std::string_view(static_cast<const char *>(b), static_cast<size_t>(n2)));
    if (!x || !y) {
        int r = std::memcmp(a, b, static_cast<size_t>(std::min(n1, n2)));
        return r != 0 ? r : n1 - n2;
    }
    auto key = [](const tds::Temporal &t) {
        return static_cast<long double>(t.days) * tds::kTicksPerDay + t.ticks -
               static_cast<long double>(t.offset_minutes) * 600000000;
    };
    long double kx = key(*x), ky = key(*y);
    return kx < ky ? -1 : kx > ky ? 1 : 0;
}

// ---- conversion and arithmetic ---------------------------------------------------------------

const SqlType &cached_type(sqlite3_context *c, sqlite3_value *spec, int argno) {
    auto *t = static_cast<SqlType *>(sqlite3_get_auxdata(c, argno));
    if (t)
        return *t;
    auto *parsed = new SqlType(parse_type_name(text_arg(spec)));
    sqlite3_set_auxdata(c, argno, parsed, [](void *p) { delete static_cast<SqlType *>(p); });
    t = static_cast<SqlType *>(sqlite3_get_auxdata(c, argno));
    return t ? *t : *parsed;
}

void fn_conv(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        const SqlType &t = cached_type(c, v[1], 1);
        std::string from = n > 2 ? text_arg(v[2]) : "";
        result(c, convert_value(arg(v[0]), t, from));
    });
}

void fn_try_conv(sqlite3_context *c, int n, sqlite3_value **v) {
    try {
        const SqlType &t = cached_type(c, v[1], 1);
        result(c, convert_value(arg(v[0]), t, n > 2 ? text_arg(v[2]) : ""));
    } catch (...) {
        sqlite3_result_null(c);
    }
}

double num_of(sqlite3_value *v) {
    if (sqlite3_value_type(v) == SQLITE_TEXT)
        return std::strtod(text_arg(v).c_str(), nullptr);
    return sqlite3_value_double(v);
}

void fn_num(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    if (sqlite3_value_type(v[0]) == SQLITE_INTEGER)
        return sqlite3_result_int64(c, sqlite3_value_int64(v[0]));
    std::string s = sqlite3_value_type(v[0]) == SQLITE_TEXT ? text_arg(v[0]) : "";
    if (!s.empty() && s.find_first_of(".eE") == std::string::npos) {
        char *end = nullptr;
        long long x = std::strtoll(s.c_str(), &end, 10);
        if (end && *end == '\0')
            return sqlite3_result_int64(c, x);
    }
    sqlite3_result_double(c, num_of(v[0]));
}

void fn_add(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    if (sqlite3_value_type(v[0]) == SQLITE_TEXT && sqlite3_value_type(v[1]) == SQLITE_TEXT)
        return result_text(c, text_arg(v[0]) + text_arg(v[1]));
    if (sqlite3_value_type(v[0]) == SQLITE_INTEGER && sqlite3_value_type(v[1]) == SQLITE_INTEGER)
        return sqlite3_result_int64(c, sqlite3_value_int64(v[0]) + sqlite3_value_int64(v[1]));
    sqlite3_result_double(c, num_of(v[0]) + num_of(v[1]));
}

void divide_by_zero(sqlite3_context *c) {
    raise(c, sql_error(8134, 1, 16, "Divide by zero error encountered."));
}

void fn_intdiv(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    int64_t b = static_cast<int64_t>(num_of(v[1]));
    if (b == 0)
        return divide_by_zero(c);
    sqlite3_result_int64(c, static_cast<int64_t>(num_of(v[0])) / b);
}

void fn_div(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    double b = num_of(v[1]);
    if (b == 0)
        return divide_by_zero(c);
    sqlite3_result_double(c, num_of(v[0]) / b);
}

void fn_mod(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    if (sqlite3_value_type(v[0]) == SQLITE_INTEGER && sqlite3_value_type(v[1]) == SQLITE_INTEGER) {
        int64_t b = sqlite3_value_int64(v[1]);
        if (b == 0)
            return divide_by_zero(c);
        return sqlite3_result_int64(c, sqlite3_value_int64(v[0]) % b);
    }
    double b = num_of(v[1]);
    if (b == 0)
        return divide_by_zero(c);
    sqlite3_result_double(c, std::fmod(num_of(v[0]), b));
}

// ---- strings ---------------------------------------------------------------------------------

std::u32string u32(const std::string &s) {
    std::u32string out;
    auto p = reinterpret_cast<const unsigned char *>(s.data());
    auto end = p + s.size();
    while (p < end)
        out += decode(p, end);
    return out;
}

std::string u8(const std::u32string &s) {
    std::string out;
    for (char32_t cp : s) {
        if (cp < 0x80)
            out += static_cast<char>(cp);
        else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | cp >> 6);
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | cp >> 12);
            out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | cp >> 18);
            out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
            out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

std::string str_value(sqlite3_value *v) {
    if (sqlite3_value_type(v) == SQLITE_FLOAT) {
        Value x = convert_value(Value::real(sqlite3_value_double(v)),
                                SqlType{TypeId::VarChar, 8000, 0, 0});
        return x.s;
    }
    return text_arg(v);
}

void fn_len(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    std::u32string s = u32(str_value(v[0]));
    while (!s.empty() && s.back() == U' ')
        s.pop_back();
    sqlite3_result_int64(c, static_cast<int64_t>(s.size()));
}

void fn_datalength(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    std::string spec = text_arg(v[1]);
    SqlType t = spec.empty() ? type_of_value(arg(v[0])) : parse_type_name(spec);
    sqlite3_result_int64(c, datalength(arg(v[0]), t));
}

void fn_case(sqlite3_context *c, int, sqlite3_value **v, bool up) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    std::u32string s = u32(str_value(v[0]));
    for (auto &ch : s) {
        if (up) {
            if (ch < 0x80)
                ch = static_cast<char32_t>(std::toupper(static_cast<int>(ch)));
            else if (ch >= 0xE0 && ch <= 0xFE && ch != 0xF7)
                ch -= 0x20;
        } else {
            ch = fold(ch);
        }
    }
    result_text(c, u8(s));
}

void fn_substring(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]) || is_null(v[2]))
        return sqlite3_result_null(c);
    bool blob = sqlite3_value_type(v[0]) == SQLITE_BLOB;
    int64_t start = sqlite3_value_int64(v[1]), len = sqlite3_value_int64(v[2]);
    if (len < 0)
        return raise(c, sql_error(537, 3, 16,
                                  "Invalid length parameter passed to the LEFT or "
                                  "SUBSTRING function."));
    int64_t end = start + len;
    start = std::max<int64_t>(start, 1);
    if (blob) {
        std::string s = arg(v[0]).s;
        if (start > static_cast<int64_t>(s.size()) || end <= start)
            return sqlite3_result_blob(c, "", 0, SQLITE_STATIC);
        std::string out =
            s.substr(static_cast<size_t>(start - 1), static_cast<size_t>(end - start));
        return sqlite3_result_blob(c, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
    }
    std::u32string s = u32(str_value(v[0]));
    if (start > static_cast<int64_t>(s.size()) || end <= start)
        return result_text(c, "");
    result_text(c, u8(s.substr(static_cast<size_t>(start - 1), static_cast<size_t>(end - start))));
}

void fn_left(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    std::u32string s = u32(str_value(v[0]));
    int64_t n = sqlite3_value_int64(v[1]);
    result_text(c, u8(s.substr(0, static_cast<size_t>(std::max<int64_t>(0, n)))));
}

void fn_right(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    std::u32string s = u32(str_value(v[0]));
    size_t n = static_cast<size_t>(std::max<int64_t>(0, sqlite3_value_int64(v[1])));
    result_text(c, u8(n >= s.size() ? s : s.substr(s.size() - n)));
}

void fn_replicate(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    std::string s = str_value(v[0]), out;
    int64_t n = sqlite3_value_int64(v[1]);
    if (n < 0)
        return sqlite3_result_null(c);
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        out += s;
    result_text(c, out);
}

void fn_replace(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]) || is_null(v[2]))
        return sqlite3_result_null(c);
    std::string s = str_value(v[0]), from = str_value(v[1]), to = str_value(v[2]);
    if (from.empty())
        return result_text(c, s);
    // Case-insensitive match under the default collation.
    std::string out;
    std::u32string us = u32(s), uf = u32(from);
    std::u32string fs, ff;
    for (auto ch : us)
        fs += fold(ch);
    for (auto ch : uf)
        ff += fold(ch);
    std::u32string res;
    size_t i = 0;
    while (i < us.size()) {
        if (fs.compare(i, ff.size(), ff) == 0) {
            res += u32(to);
            i += ff.size();
        } else {
            res += us[i++];
        }
    }
    result_text(c, u8(res));
}

void fn_charindex(sqlite3_context *c, int n, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    std::u32string needle, hay;
    for (auto ch : u32(str_value(v[0])))
        needle += fold(ch);
    for (auto ch : u32(str_value(v[1])))
        hay += fold(ch);
    size_t start = n > 2 && !is_null(v[2])
                       ? static_cast<size_t>(std::max<int64_t>(1, sqlite3_value_int64(v[2]))) - 1
                       : 0;
    size_t at = hay.find(needle, start);
    sqlite3_result_int64(c, at == std::u32string::npos ? 0 : static_cast<int64_t>(at + 1));
}

void fn_concat(sqlite3_context *c, int n, sqlite3_value **v) {
    std::string out;
    for (int i = 0; i < n; ++i)
        if (!is_null(v[i]))
            out += str_value(v[i]);
    result_text(c, out);
}

void fn_reverse(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    std::u32string s = u32(str_value(v[0]));
    std::reverse(s.begin(), s.end());
    result_text(c, u8(s));
}

void fn_space(sqlite3_context *c, int, sqlite3_value **v) {
    result_text(
        c, std::string(static_cast<size_t>(std::max<int64_t>(0, sqlite3_value_int64(v[0]))), ' '));
}

void fn_quotename(sqlite3_context *c, int, sqlite3_value **v) {
    std::string s = str_value(v[0]), out = "[";
    for (char ch : s) {
        out += ch;
        if (ch == ']')
            out += ']';
    }
    result_text(c, out + "]");
}

void fn_char(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    std::u32string s(1, static_cast<char32_t>(sqlite3_value_int64(v[0])));
    result_text(c, u8(s));
}

void fn_ascii(sqlite3_context *c, int, sqlite3_value **v) {
    std::u32string s = u32(str_value(v[0]));
    if (s.empty())
        return sqlite3_result_null(c);
    sqlite3_result_int64(c, static_cast<int64_t>(s[0]));
}

// T-SQL LIKE: %, _, [set], [^set], optional ESCAPE; case-insensitive.
bool like_match(const std::u32string &p, size_t pi, const std::u32string &s, size_t si,
                char32_t esc) {
    while (pi < p.size()) {
        char32_t pc = p[pi];
        if (esc && pc == esc && pi + 1 < p.size()) {
            if (si >= s.size() || fold(s[si]) != fold(p[pi + 1]))
                return false;
            pi += 2;
            ++si;
            continue;
        }
        if (pc == U'%') {
            while (pi < p.size() && p[pi] == U'%')
                ++pi;
            if (pi == p.size())
                return true;
            for (size_t k = si; k <= s.size(); ++k)
                if (like_match(p, pi, s, k, esc))
                    return true;
            return false;
        }
        if (si >= s.size())
            return false;
        if (pc == U'_') {
            ++pi;
            ++si;
            continue;
        }
        if (pc == U'[') {
            size_t close = p.find(U']', pi + 1);
            if (close != std::u32string::npos) {
                bool neg = pi + 1 < close && p[pi + 1] == U'^';
                bool hit = false;
                char32_t ch = fold(s[si]);
                for (size_t k = pi + 1 + (neg ? 1 : 0); k < close; ++k) {
                    if (k + 2 < close && p[k + 1] == U'-') {
                        if (ch >= fold(p[k]) && ch <= fold(p[k + 2]))
                            hit = true;
                        k += 2;
                    } else if (fold(p[k]) == ch) {
                        hit = true;
                    }
                }
                if (hit == neg)
                    return false;
                pi = close + 1;
                ++si;
                continue;
            }
        }
        if (fold(pc) != fold(s[si]))
            return false;
        ++pi;
        ++si;
    }
    // Trailing blanks of the value do not matter for a pattern without a trailing wildcard.
    while (si < s.size() && s[si] == U' ')
        ++si;
    return si == s.size();
}

void fn_like(sqlite3_context *c, int n, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    std::u32string esc = n > 2 ? u32(str_value(v[2])) : std::u32string();
    sqlite3_result_int(
        c, like_match(u32(str_value(v[1])), 0, u32(str_value(v[0])), 0, esc.empty() ? 0 : esc[0])
               ? 1
               : 0);
}

// ---- dates -----------------------------------------------------------------------------------

std::string now_text(bool utc) {
    auto now = std::chrono::system_clock::now();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    if (utc)
        gmtime_r(&secs, &tm);
    else
        localtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%07lld", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>((us % 1000000) * 10));
    return buf;
}

std::string part_name(sqlite3_value *v) {
    std::string p = text_arg(v);
    for (auto &ch : p)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (p == "YY" || p == "YYYY")
        return "YEAR";
    if (p == "QQ" || p == "Q")
        return "QUARTER";
    if (p == "MM" || p == "M")
        return "MONTH";
    if (p == "DD" || p == "D" || p == "DAYOFYEAR" || p == "DY" || p == "Y")
        return p == "DD" || p == "D" ? "DAY" : "DAYOFYEAR";
    if (p == "WK" || p == "WW")
        return "WEEK";
    if (p == "DW")
        return "WEEKDAY";
    if (p == "HH")
        return "HOUR";
    if (p == "MI" || p == "N")
        return "MINUTE";
    if (p == "SS" || p == "S")
        return "SECOND";
    if (p == "MS")
        return "MILLISECOND";
    if (p == "MCS")
        return "MICROSECOND";
    if (p == "NS")
        return "NANOSECOND";
    return p;
}

void fn_dateadd(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[1]) || is_null(v[2]))
            return sqlite3_result_null(c);
        const SqlType &t = cached_type(c, v[3], 3);
        Value base = convert_value(arg(v[2]), t);
        auto tm = tds::parse_temporal(base.s);
        if (!tm)
            throw sql_error(241, 1, 16,
                            "Conversion failed when converting date and/or time from "
                            "character string.");
        std::string part = part_name(v[0]);
        int64_t n = static_cast<int64_t>(num_of(v[1]));
        if (part == "YEAR" || part == "QUARTER" || part == "MONTH") {
            int64_t y;
            unsigned m, d;
            tds::civil_from_days(tm->days, y, m, d);
            int64_t months = part == "YEAR" ? 12 * n : part == "QUARTER" ? 3 * n : n;
            int64_t total = y * 12 + (m - 1) + months;
            y = total / 12;
            m = static_cast<unsigned>(total % 12 + 1);
            static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            unsigned dim =
                mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 1 : 0);
            tm->days = tds::days_from_civil(y, m, std::min(d, dim));
        } else {
            int64_t ticks = part == "WEEK" ? n * 7 * tds::kTicksPerDay
                            : part == "DAY" || part == "DAYOFYEAR" || part == "WEEKDAY"
                                ? n * tds::kTicksPerDay
                            : part == "HOUR"        ? n * 36000000000LL
                            : part == "MINUTE"      ? n * 600000000LL
                            : part == "SECOND"      ? n * 10000000LL
                            : part == "MILLISECOND" ? n * 10000LL
                            : part == "MICROSECOND" ? n * 10LL
                            : part == "NANOSECOND"  ? n / 100
                                                    : 0;
            int64_t total = tm->ticks + ticks;
            int64_t days = total >= 0 ? total / tds::kTicksPerDay
                                      : -((-total + tds::kTicksPerDay - 1) / tds::kTicksPerDay);
            tm->days += t.id == TypeId::Time ? 0 : days;
            tm->ticks = total - days * tds::kTicksPerDay;
        }
        std::string txt = t.id == TypeId::Time   ? tds::format_time(tm->ticks)
                          : t.id == TypeId::Date ? tds::format_date(tm->days)
                                                 : tds::format_datetime(tm->days, tm->ticks);
        if (t.id == TypeId::DateTimeOffset)
            txt += " " + tds::format_offset(tm->offset_minutes);
        result(c, convert_value(Value::text(txt), t));
    });
}

void fn_datediff(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[1]) || is_null(v[2]))
            return sqlite3_result_null(c);
        auto a = tds::parse_temporal(str_value(v[1])), b = tds::parse_temporal(str_value(v[2]));
        if (!a || !b)
            throw sql_error(241, 1, 16,
                            "Conversion failed when converting date and/or time from "
                            "character string.");
        std::string part = part_name(v[0]);
        int64_t ya, yb;
        unsigned ma, mb, da, db;
        tds::civil_from_days(a->days, ya, ma, da);
        tds::civil_from_days(b->days, yb, mb, db);
        long double ta = static_cast<long double>(a->days) * tds::kTicksPerDay + a->ticks;
        long double tb = static_cast<long double>(b->days) * tds::kTicksPerDay + b->ticks;
        auto boundary = [&](int64_t unit) {
            return static_cast<int64_t>(std::floor(tb / unit) - std::floor(ta / unit));
        };
        int64_t r = part == "YEAR"          ? yb - ya
                    : part == "QUARTER"     ? (yb * 4 + (mb - 1) / 3) - (ya * 4 + (ma - 1) / 3)
                    : part == "MONTH"       ? (yb * 12 + mb) - (ya * 12 + ma)
                    : part == "WEEK"        ? (b->days + 1) / 7 - (a->days + 1) / 7
                    : part == "HOUR"        ? boundary(36000000000LL)
                    : part == "MINUTE"      ? boundary(600000000LL)
                    : part == "SECOND"      ? boundary(10000000LL)
                    : part == "MILLISECOND" ? boundary(10000LL)
                    : part == "MICROSECOND" ? boundary(10LL)
                                            : b->days - a->days;
        sqlite3_result_int64(c, r);
    });
}

void fn_datepart(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[1]))
        return sqlite3_result_null(c);
    auto t = tds::parse_temporal(str_value(v[1]));
    if (!t)
        return raise(c, sql_error(241, 1, 16,
                                  "Conversion failed when converting date and/or time "
                                  "from character string."));
    std::string part = part_name(v[0]);
    int64_t y;
    unsigned m, d;
    tds::civil_from_days(t->days, y, m, d);
    int64_t secs = t->ticks / 10000000;
    int64_t r = part == "YEAR"          ? y
                : part == "QUARTER"     ? (m - 1) / 3 + 1
                : part == "MONTH"       ? m
                : part == "DAY"         ? d
                : part == "DAYOFYEAR"   ? t->days - tds::days_from_civil(y, 1, 1) + 1
                : part == "WEEKDAY"     ? (t->days + 1) % 7 + 1
                : part == "HOUR"        ? secs / 3600
                : part == "MINUTE"      ? secs / 60 % 60
                : part == "SECOND"      ? secs % 60
                : part == "MILLISECOND" ? t->ticks % 10000000 / 10000
                : part == "MICROSECOND" ? t->ticks % 10000000 / 10
                : part == "NANOSECOND"  ? t->ticks % 10000000 * 100
                : part == "TZOFFSET"    ? t->offset_minutes
                                        : 0;
    sqlite3_result_int64(c, r);
}

// SWITCHOFFSET(datetimeoffset, '[+|-]hh:mm' | minutes): the same instant at another offset.
void fn_switchoffset(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]) || is_null(v[1]))
            return sqlite3_result_null(c);
        const SqlType &t = cached_type(c, v[2], 2);
        Value base = convert_value(arg(v[0]), t);
        auto tm = tds::parse_temporal(base.s);
        if (!tm)
            throw sql_error(241, 1, 16,
                            "Conversion failed when converting date and/or time from "
                            "character string.");
        int minutes = 0;
        bool ok = true;
        if (sqlite3_value_type(v[1]) == SQLITE_INTEGER) {
            minutes = sqlite3_value_int(v[1]);
        } else {
            const std::string z = str_value(v[1]);
            ok = z.size() == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':' &&
                 std::isdigit(static_cast<unsigned char>(z[1])) &&
                 std::isdigit(static_cast<unsigned char>(z[2])) &&
                 std::isdigit(static_cast<unsigned char>(z[4])) &&
                 std::isdigit(static_cast<unsigned char>(z[5]));
            if (ok)
                minutes = (z[0] == '-' ? -1 : 1) * (((z[1] - '0') * 10 + (z[2] - '0')) * 60 +
                                                    (z[4] - '0') * 10 + (z[5] - '0'));
        }
        if (!ok || minutes < -840 || minutes > 840)
            throw sql_error(9812, 1, 16,
                            "The timezone provided to builtin function switchoffset is invalid.");
        int64_t total =
            tm->ticks + static_cast<int64_t>(minutes - tm->offset_minutes) * 600000000LL;
        int64_t days = total >= 0 ? total / tds::kTicksPerDay
                                  : -((-total + tds::kTicksPerDay - 1) / tds::kTicksPerDay);
        std::string txt = tds::format_datetime(tm->days + days, total - days * tds::kTicksPerDay) +
                          " " + tds::format_offset(minutes);
        result(c, convert_value(Value::text(txt), t));
    });
}

void fn_eomonth(sqlite3_context *c, int, sqlite3_value **v) {
    auto t = tds::parse_temporal(str_value(v[0]));
    if (!t)
        return sqlite3_result_null(c);
    int64_t y;
    unsigned m, d;
    tds::civil_from_days(t->days, y, m, d);
    int64_t next = m == 12 ? tds::days_from_civil(y + 1, 1, 1) : tds::days_from_civil(y, m + 1, 1);
    result_text(c, tds::format_date(next - 1));
}

// ---- misc ------------------------------------------------------------------------------------

void fn_newid(sqlite3_context *c, int, sqlite3_value **) {
    unsigned char b[16];
    RAND_bytes(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
    char buf[40];
    std::snprintf(buf, sizeof buf,
                  "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    result_text(c, buf);
}

void fn_hashbytes(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[1]))
        return sqlite3_result_null(c);
    std::string alg = text_arg(v[0]);
    for (auto &ch : alg)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const EVP_MD *md = alg == "MD5"                    ? EVP_md5()
                       : alg == "SHA1" || alg == "SHA" ? EVP_sha1()
                       : alg == "SHA2_512"             ? EVP_sha512()
                                                       : EVP_sha256();
    std::string data = sqlite3_value_type(v[1]) == SQLITE_BLOB
                           ? arg(v[1]).s
                           : tds::utf8_to_cp1252(str_value(v[1]));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    sqlite3_result_blob(c, out, static_cast<int>(len), SQLITE_TRANSIENT);
}

void fn_checksum(sqlite3_context *c, int n, sqlite3_value **v) {
    uint32_t h = 0;
    for (int i = 0; i < n; ++i) {
        std::string s = str_value(v[i]);
        for (unsigned char ch : s)
            h = h * 31 + static_cast<unsigned char>(std::tolower(ch));
    }
    sqlite3_result_int64(c, static_cast<int32_t>(h));
}

void fn_round(sqlite3_context *c, int n, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    int d = n > 1 ? static_cast<int>(sqlite3_value_int64(v[1])) : 0;
    double x = num_of(v[0]), p = std::pow(10.0, d);
    double r = std::round(x * p) / p;
    if (sqlite3_value_type(v[0]) == SQLITE_INTEGER)
        return sqlite3_result_int64(c, static_cast<int64_t>(r));
    sqlite3_result_double(c, r);
}

template <double (*F)(double)> void fn_math(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_null(c);
    double r = F(num_of(v[0]));
    if (sqlite3_value_type(v[0]) == SQLITE_INTEGER &&
        (F == static_cast<double (*)(double)>(std::floor) ||
         F == static_cast<double (*)(double)>(std::ceil)))
        return sqlite3_result_int64(c, static_cast<int64_t>(r));
    sqlite3_result_double(c, r);
}

void fn_power(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]) || is_null(v[1]))
        return sqlite3_result_null(c);
    sqlite3_result_double(c, std::pow(num_of(v[0]), num_of(v[1])));
}

void fn_isnumeric(sqlite3_context *c, int, sqlite3_value **v) {
    if (is_null(v[0]))
        return sqlite3_result_int(c, 0);
    std::string s = str_value(v[0]);
    char *end = nullptr;
    std::strtod(s.c_str(), &end);
    sqlite3_result_int(c, !s.empty() && end && *end == '\0' ? 1 : 0);
}

void fn_isdate(sqlite3_context *c, int, sqlite3_value **v) {
    sqlite3_result_int(c, !is_null(v[0]) && tds::parse_temporal(str_value(v[0])) ? 1 : 0);
}

void fn_raise_duplicate(sqlite3_context *c, int n, sqlite3_value **v) {
    int number = static_cast<int>(sqlite3_value_int64(v[0]));
    std::string kind = text_arg(v[1]), name = text_arg(v[2]), object = text_arg(v[3]);
    std::string values;
    for (int i = 4; i < n; ++i)
        values += (i > 4 ? ", " : "") + (is_null(v[i]) ? std::string("<NULL>") : str_value(v[i]));
    if (number == 2627)
        raise(c, sql_error(2627, 1, 14,
                           "Violation of " + kind + " constraint '" + name +
                               "'. Cannot insert duplicate key in object '" + object +
                               "'. The duplicate key value is (" + values + ")."));
    else
        raise(c, sql_error(2601, 1, 14,
                           "Cannot insert duplicate key row in object '" + object +
                               "' with unique index '" + name + "'. The duplicate key value is (" +
                               values + ")."));
}

// A compact row image for the transaction log: per column a kind byte and its data.
void fn_row(sqlite3_context *c, int n, sqlite3_value **v) {
    std::string out;
    for (int i = 1; i < n; ++i) {
        Value x = arg(v[i]);
        out += static_cast<char>(x.kind);
        switch (x.kind) {
        case Value::Kind::Int:
            for (int k = 0; k < 8; ++k)
                out += static_cast<char>(x.i >> (8 * k));
            break;
        case Value::Kind::Real: {
            uint64_t bits;
            std::memcpy(&bits, &x.d, 8);
            for (int k = 0; k < 8; ++k)
                out += static_cast<char>(bits >> (8 * k));
            break;
        }
        case Value::Kind::Text:
        case Value::Kind::Blob: {
            uint32_t len = static_cast<uint32_t>(x.s.size());
            for (int k = 0; k < 4; ++k)
                out += static_cast<char>(len >> (8 * k));
            out += x.s;
            break;
        }
        default:
            break;
        }
    }
    sqlite3_result_blob(c, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

// ---- session-dependent -----------------------------------------------------------------------

void fn_db_name(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        if (n == 0 || is_null(v[0]))
            return result_text(c, h->current_db().name);
        auto d = find_database(h->db(), static_cast<int>(sqlite3_value_int64(v[0])));
        if (!d)
            return sqlite3_result_null(c);
        result_text(c, d->name);
    });
}

void fn_db_id(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        if (n == 0 || is_null(v[0]))
            return sqlite3_result_int64(c, h->current_db().id);
        auto d = find_database(h->db(), text_arg(v[0]));
        if (!d)
            return sqlite3_result_null(c);
        sqlite3_result_int64(c, d->id);
    });
}

std::vector<std::string> split_name(const std::string &s) {
    std::vector<std::string> parts;
    std::string cur;
    bool br = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char ch = s[i];
        if (br) {
            if (ch == ']' && i + 1 < s.size() && s[i + 1] == ']') {
                cur += ']';
                ++i;
            } else if (ch == ']') {
                br = false;
            } else {
                cur += ch;
            }
        } else if (ch == '[') {
            br = true;
        } else if (ch == '.') {
            parts.push_back(cur);
            cur.clear();
        } else if (ch == '"') {
        } else {
            cur += ch;
        }
    }
    parts.push_back(cur);
    return parts;
}

void fn_object_id(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]))
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        auto parts = split_name(str_value(v[0]));
        DatabaseMeta d = h->current_db();
        if (parts.size() >= 3) {
            auto other = find_database(h->db(), parts[parts.size() - 3]);
            if (!other)
                return sqlite3_result_null(c);
            d = *other;
        }
        std::string schema =
            parts.size() >= 2 && !parts[parts.size() - 2].empty() ? parts[parts.size() - 2] : "dbo";
        std::string type = n > 1 && !is_null(v[1]) ? text_arg(v[1]) : "";
        while (!type.empty() && type.back() == ' ')
            type.pop_back();
        auto id = find_object_id(h->db(), d.id, schema, parts.back(), type);
        if (!id)
            return sqlite3_result_null(c);
        sqlite3_result_int64(c, *id);
    });
}

void fn_object_name(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]))
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        int dbid = n > 1 && !is_null(v[1]) ? static_cast<int>(sqlite3_value_int64(v[1]))
                                           : h->current_db().id;
        Stmt q(h->db(), "SELECT name FROM \"$objects\" WHERE database_id = ? AND object_id = ?");
        q.bind(1, dbid).bind(2, sqlite3_value_int64(v[0]));
        if (!q.step())
            return sqlite3_result_null(c);
        result_text(c, q.text_col(0));
    });
}

// OBJECT_DEFINITION(object_id): a module's text (NULL when encrypted), or a default's.
void fn_object_definition(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]))
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        Stmt q(h->db(), "SELECT CASE WHEN is_encrypted = 1 THEN NULL ELSE definition END FROM "
                        "\"$modules\" WHERE database_id = ?1 AND object_id = ?2 UNION ALL SELECT "
                        "default_definition FROM \"$columns\" WHERE database_id = ?1 AND "
                        "default_object_id = ?2 LIMIT 1");
        q.bind(1, h->current_db().id).bind(2, sqlite3_value_int64(v[0]));
        if (!q.step() || sqlite3_column_type(q.get(), 0) == SQLITE_NULL)
            return sqlite3_result_null(c);
        result_text(c, q.text_col(0));
    });
}

void fn_object_schema_name(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        int dbid = n > 1 && !is_null(v[1]) ? static_cast<int>(sqlite3_value_int64(v[1]))
                                           : h->current_db().id;
        Stmt q(h->db(), "SELECT s.name FROM \"$objects\" o JOIN \"$schemas\" s ON s.database_id = "
                        "o.database_id AND s.schema_id = o.schema_id WHERE o.database_id = ? AND "
                        "o.object_id = ?");
        q.bind(1, dbid).bind(2, sqlite3_value_int64(v[0]));
        if (!q.step())
            return sqlite3_result_null(c);
        result_text(c, q.text_col(0));
    });
}

void fn_schema_name(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        int64_t id = n == 0 || is_null(v[0]) ? 1 : sqlite3_value_int64(v[0]);
        Stmt q(h->db(), "SELECT name FROM \"$schemas\" WHERE database_id = ? AND schema_id = ?");
        q.bind(1, h->current_db().id).bind(2, id);
        if (!q.step())
            return sqlite3_result_null(c);
        result_text(c, q.text_col(0));
    });
}

void fn_schema_id(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        if (n == 0 || is_null(v[0]))
            return sqlite3_result_int64(c, 1);
        auto id = find_schema(h->db(), h->current_db().id, text_arg(v[0]));
        if (!id)
            return sqlite3_result_null(c);
        sqlite3_result_int64(c, *id);
    });
}

void fn_login_name(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, host_of(c)->login().name);
}

void fn_user_name(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, host_of(c)->login().sysadmin ? "dbo" : host_of(c)->login().name);
}

// USER_ID([name]) / DATABASE_PRINCIPAL_ID([name]): without a name, the session's user (dbo for
// a sysadmin, else the user its login maps to, else guest).
void fn_user_id(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        std::optional<int> id;
        if (n == 0)
            id = h->login().sysadmin
                     ? 1
                     : user_of_login(h->db(), h->current_db().id, h->login().name).value_or(2);
        else if (!is_null(v[0]))
            id = database_principal_id(h->db(), h->current_db().id, str_value(v[0]));
        if (id)
            sqlite3_result_int(c, *id);
        else
            sqlite3_result_null(c);
    });
}

// SUSER_ID([login])
void fn_suser_id(sqlite3_context *c, int n, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        std::optional<int> id = n == 0          ? server_principal_id(h->db(), h->login().name)
                                : is_null(v[0]) ? std::nullopt
                                                : server_principal_id(h->db(), str_value(v[0]));
        if (id)
            sqlite3_result_int(c, *id);
        else
            sqlite3_result_null(c);
    });
}

void fn_is_srvrolemember(sqlite3_context *c, int, sqlite3_value **v) {
    std::string role = text_arg(v[0]);
    if (strcasecmp(role.c_str(), "sysadmin") == 0)
        return sqlite3_result_int(c, host_of(c)->login().sysadmin ? 1 : 0);
    if (strcasecmp(role.c_str(), "public") == 0)
        return sqlite3_result_int(c, 1);
    sqlite3_result_int(c, 0);
}

void fn_is_member(sqlite3_context *c, int, sqlite3_value **v) {
    std::string role = text_arg(v[0]);
    bool admin = host_of(c)->login().sysadmin;
    sqlite3_result_int(c, admin || strcasecmp(role.c_str(), "public") == 0 ? 1 : 0);
}

void fn_one(sqlite3_context *c, int, sqlite3_value **) {
    sqlite3_result_int(c, 1);
}

void fn_serverproperty(sqlite3_context *c, int, sqlite3_value **v) {
    const ServerSettings &s = host_of(c)->settings();
    std::string p = text_arg(v[0]);
    auto is = [&](const char *n) { return strcasecmp(p.c_str(), n) == 0; };
    if (is("ServerName") || is("MachineName") || is("ComputerNamePhysicalNetBIOS"))
        return result_text(c, s.machine_name.empty() ? s.server_name : s.machine_name);
    if (is("Edition"))
        return result_text(c, s.edition);
    if (is("EngineEdition"))
        return sqlite3_result_int(c, s.engine_edition);
    if (is("ProductVersion"))
        return result_text(c, s.product_version);
    if (is("ProductMajorVersion"))
        return result_text(c, s.product_version.substr(0, s.product_version.find('.')));
    if (is("ProductLevel"))
        return result_text(c, "RTM");
    if (is("Collation"))
        return result_text(c, "SQL_Latin1_General_CP1_CI_AS");
    if (is("IsClustered") || is("IsHadrEnabled") || is("IsIntegratedSecurityOnly") ||
        is("IsSingleUser"))
        return sqlite3_result_int(c, 0);
    if (is("InstanceName"))
        return sqlite3_result_null(c);
    sqlite3_result_null(c);
}

void fn_databasepropertyex(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        auto d = find_database(host_of(c)->db(), text_arg(v[0]));
        std::string p = text_arg(v[1]);
        if (!d)
            return sqlite3_result_null(c);
        if (strcasecmp(p.c_str(), "Recovery") == 0)
            return result_text(c, d->recovery_model == 1   ? "FULL"
                                  : d->recovery_model == 2 ? "BULK_LOGGED"
                                                           : "SIMPLE");
        if (strcasecmp(p.c_str(), "Status") == 0)
            return result_text(c, "ONLINE");
        if (strcasecmp(p.c_str(), "Collation") == 0)
            return result_text(c, "SQL_Latin1_General_CP1_CI_AS");
        sqlite3_result_null(c);
    });
}

void fn_server_name(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, host_of(c)->settings().server_name);
}

void fn_app_name(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, host_of(c)->app_name());
}
void fn_host_name(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, host_of(c)->host_name());
}

void fn_eventdata(sqlite3_context *c, int, sqlite3_value **) {
    auto x = host_of(c)->event_data();
    if (x)
        result_text(c, *x);
    else
        sqlite3_result_null(c);
}

void fn_xml_value(sqlite3_context *c, int, sqlite3_value **v) {
    if (sqlite3_value_type(v[0]) == SQLITE_NULL || sqlite3_value_type(v[1]) == SQLITE_NULL) {
        sqlite3_result_null(c);
        return;
    }
    try {
        auto r = xml_path_value(arg(v[0]).s, arg(v[1]).s);
        if (r)
            result_text(c, *r);
        else
            sqlite3_result_null(c);
    } catch (const SqlError &e) {
        std::string m = encode_error(e.msg);
        sqlite3_result_error(c, m.c_str(), static_cast<int>(m.size()));
    }
}

void fn_now(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, now_text(false));
}
void fn_localnow(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, now_text(false));
}
void fn_utcnow(sqlite3_context *c, int, sqlite3_value **) {
    result_text(c, now_text(true));
}

void fn_lsn(sqlite3_context *c, int, sqlite3_value **) {
    host_of(c)->xact_id(); // the BEGIN record takes its LSN before the first change
    std::string l = host_of(c)->next_lsn();
    sqlite3_result_blob(c, l.data(), static_cast<int>(l.size()), SQLITE_TRANSIENT);
}
void fn_current_lsn(sqlite3_context *c, int, sqlite3_value **) {
    std::string l = host_of(c)->current_lsn();
    sqlite3_result_blob(c, l.data(), static_cast<int>(l.size()), SQLITE_TRANSIENT);
}
void fn_xact(sqlite3_context *c, int, sqlite3_value **) {
    sqlite3_result_int64(c, host_of(c)->xact_id());
}
void fn_logging(sqlite3_context *c, int, sqlite3_value **v) {
    sqlite3_result_int(c, host_of(c)->logging(static_cast<int>(sqlite3_value_int64(v[0]))) ? 1 : 0);
}
void fn_rowversion(sqlite3_context *c, int, sqlite3_value **) {
    std::string r = host_of(c)->next_rowversion();
    sqlite3_result_blob(c, r.data(), static_cast<int>(r.size()), SQLITE_TRANSIENT);
}
void fn_identity(sqlite3_context *c, int, sqlite3_value **v) {
    sqlite3_result_int64(c, host_of(c)->next_identity(static_cast<int>(sqlite3_value_int64(v[0])),
                                                      static_cast<int>(sqlite3_value_int64(v[1]))));
}
void fn_ident_current(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        FunctionHost *h = host_of(c);
        auto parts = split_name(str_value(v[0]));
        std::string schema = parts.size() >= 2 ? parts[parts.size() - 2] : "dbo";
        auto id = find_object_id(h->db(), h->current_db().id, schema, parts.back(), "U");
        if (!id)
            return sqlite3_result_null(c);
        auto cur = h->ident_current(h->current_db().id, *id);
        if (!cur)
            return sqlite3_result_null(c);
        sqlite3_result_int64(c, *cur);
    });
}

void fn_type_fact(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        const SqlType &t = cached_type(c, v[0], 0);
        std::string what = text_arg(v[1]);
        TypeFacts f = type_facts(t);
        if (what == "system_type_id")
            return sqlite3_result_int(c, f.system_type_id);
        if (what == "user_type_id")
            return sqlite3_result_int(c, f.user_type_id);
        if (what == "max_length")
            return sqlite3_result_int(c, f.max_length);
        if (what == "precision")
            return sqlite3_result_int(c, f.precision);
        if (what == "scale")
            return sqlite3_result_int(c, f.scale);
        if (what == "collation")
            return f.has_collation ? result_text(c, "SQL_Latin1_General_CP1_CI_AS")
                                   : sqlite3_result_null(c);
        if (what == "name")
            return result_text(c, type_name(t.id));
        if (what == "char_length" || what == "octet_length") {
            // INFORMATION_SCHEMA.COLUMNS: characters (bytes) for character, binary, text and
            // image data; -1 for xml and (max) types; NULL otherwise.
            const bool octets = what == "octet_length";
            switch (t.id) {
            case TypeId::Char:
            case TypeId::VarChar:
            case TypeId::Binary:
            case TypeId::VarBinary:
                return sqlite3_result_int(c, t.length == SqlType::kMax ? -1 : t.length);
            case TypeId::NChar:
            case TypeId::NVarChar:
                return sqlite3_result_int(c, t.length == SqlType::kMax ? -1
                                             : octets                  ? 2 * t.length
                                                                       : t.length);
            case TypeId::Text:
            case TypeId::Image:
                return sqlite3_result_int(c, 2147483647);
            case TypeId::NText:
                return sqlite3_result_int(c, octets ? 2147483646 : 1073741823);
            case TypeId::Xml:
                return sqlite3_result_int(c, -1);
            case TypeId::SqlVariant:
                return sqlite3_result_int(c, 0);
            case TypeId::HierarchyId:
            case TypeId::Geometry:
            case TypeId::Geography:
                return sqlite3_result_int(c, f.max_length);
            default:
                return sqlite3_result_null(c);
            }
        }
        // NUMERIC_PRECISION / _RADIX / NUMERIC_SCALE: integer, exact and approximate numeric
        // and monetary types (not bit); approximate ones have a binary radix and no scale.
        const bool numeric = is_numeric(t.id) && t.id != TypeId::Bit;
        const bool approximate = t.id == TypeId::Real || t.id == TypeId::Float;
        if (what == "numeric_precision")
            return numeric ? sqlite3_result_int(c, f.precision) : sqlite3_result_null(c);
        if (what == "numeric_precision_radix")
            return numeric ? sqlite3_result_int(c, approximate ? 2 : 10) : sqlite3_result_null(c);
        if (what == "numeric_scale")
            return numeric && !approximate ? sqlite3_result_int(c, f.scale)
                                           : sqlite3_result_null(c);
        if (what == "datetime_precision")
            return is_temporal(t.id) ? sqlite3_result_int(c, f.scale) : sqlite3_result_null(c);
        if (what == "charset") {
            // CHARACTER_SET_NAME of the (only) collation, SQL_Latin1_General_CP1_CI_AS.
            if (t.id == TypeId::Char || t.id == TypeId::VarChar || t.id == TypeId::Text)
                return result_text(c, "iso_1");
            if (t.id == TypeId::NChar || t.id == TypeId::NVarChar || t.id == TypeId::NText)
                return result_text(c, "UNICODE");
            return sqlite3_result_null(c);
        }
        sqlite3_result_null(c);
    });
}

// ---- metadata functions --------------------------------------------------------------------

bool iprop(const std::string &p, const char *name) {
    return strcasecmp(p.c_str(), name) == 0;
}

// Built-in functions whose result changes between calls with the same arguments (the
// "Deterministic and nondeterministic functions" page); a computed column using one is not
// deterministic.
bool nondeterministic_text(const std::string &definition) {
    std::string u;
    for (char ch : definition)
        u += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    for (const char *f : {"GETDATE(", "GETUTCDATE(", "SYSDATETIME(", "SYSUTCDATETIME(",
                          "SYSDATETIMEOFFSET(", "CURRENT_TIMESTAMP", "NEWID(", "NEWSEQUENTIALID(",
                          "RAND(", "@@", "CHECKSUM(", "TEXTPTR("})
        if (u.find(f) != std::string::npos)
            return true;
    return false;
}

// COLUMNPROPERTY(id, column, property): facts about a column of a table, view or table-valued
// function in the current database; NULL for an unknown object, column or property.
void fn_columnproperty(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]) || is_null(v[1]) || is_null(v[2]))
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        Stmt q(h->db(), "SELECT c.column_id, c.type_spec, c.is_nullable, c.is_identity, "
                        "c.is_computed, c.definition, o.type FROM \"$columns\" c JOIN \"$objects\" "
                        "o ON o.database_id = c.database_id AND o.object_id = c.object_id WHERE "
                        "c.database_id = ? AND c.object_id = ? AND c.name = ?");
        q.bind(1, h->current_db().id).bind(2, sqlite3_value_int64(v[0])).bind(3, str_value(v[1]));
        if (!q.step())
            return sqlite3_result_null(c);
        const std::string p = str_value(v[2]);
        const SqlType t = parse_type_name(q.text_col(1));
        const TypeFacts f = type_facts(t);
        const bool computed = q.int_col(4) != 0;
        const std::string definition = q.text_col(5);
        auto flag = [&](bool b) { sqlite3_result_int(c, b ? 1 : 0); };
        const bool lob = t.length == SqlType::kMax || t.id == TypeId::Text ||
                         t.id == TypeId::NText || t.id == TypeId::Image || t.id == TypeId::Xml ||
                         t.id == TypeId::Geometry || t.id == TypeId::Geography;
        if (iprop(p, "AllowsNull"))
            return flag(q.int_col(2) != 0);
        if (iprop(p, "ColumnId"))
            return sqlite3_result_int64(c, q.int_col(0));
        if (iprop(p, "IsComputed"))
            return flag(computed);
        if (iprop(p, "IsIdentity"))
            return flag(q.int_col(3) != 0);
        if (iprop(p, "IsIdNotForRepl") || iprop(p, "IsRowGuidCol") ||
            iprop(p, "IsFulltextIndexed") || iprop(p, "IsSparse") || iprop(p, "IsColumnSet") ||
            iprop(p, "IsHidden") || iprop(p, "GeneratedAlwaysType") || iprop(p, "IsCursorType") ||
            iprop(p, "IsOutParam") || iprop(p, "IsFileStream") || iprop(p, "StatisticalSemantics"))
            return flag(false);
        if (iprop(p, "IsXmlIndexable"))
            return flag(t.id == TypeId::Xml);
        // Determinism: only computed columns have it here (view columns are not analysed).
        const bool deterministic = computed && !nondeterministic_text(definition);
        if (iprop(p, "IsIndexable"))
            return flag(!lob && (!computed || deterministic));
        if (iprop(p, "IsDeterministic"))
            return computed ? flag(deterministic) : sqlite3_result_null(c);
        if (iprop(p, "IsPrecise"))
            return deterministic ? flag(t.id != TypeId::Float && t.id != TypeId::Real)
                                 : sqlite3_result_null(c);
        if (iprop(p, "IsSystemVerified"))
            return computed ? flag(true) : sqlite3_result_null(c);
        if (iprop(p, "SystemDataAccess") || iprop(p, "UserDataAccess"))
            return computed ? flag(false) : sqlite3_result_null(c);
        if (iprop(p, "Precision")) {
            // The length of the column's type: characters, digits, or -1 for xml and (max).
            switch (t.id) {
            case TypeId::Char:
            case TypeId::VarChar:
            case TypeId::NChar:
            case TypeId::NVarChar:
            case TypeId::Binary:
            case TypeId::VarBinary:
                return sqlite3_result_int(c, t.length == SqlType::kMax ? -1 : t.length);
            case TypeId::Text:
            case TypeId::Image:
                return sqlite3_result_int(c, 2147483647);
            case TypeId::NText:
                return sqlite3_result_int(c, 1073741823);
            case TypeId::Xml:
                return sqlite3_result_int(c, -1);
            case TypeId::UniqueIdentifier:
                return sqlite3_result_int(c, 36);
            case TypeId::Timestamp:
                return sqlite3_result_int(c, 8);
            case TypeId::SqlVariant:
                return sqlite3_result_int(c, 0);
            case TypeId::HierarchyId:
            case TypeId::Geometry:
            case TypeId::Geography:
                return sqlite3_result_int(c, f.max_length);
            default:
                return sqlite3_result_int(c, f.precision);
            }
        }
        if (iprop(p, "Scale"))
            return (is_numeric(t.id) && t.id != TypeId::Float && t.id != TypeId::Real) ||
                           is_temporal(t.id)
                       ? sqlite3_result_int(c, f.scale)
                       : sqlite3_result_null(c);
        sqlite3_result_null(c);
    });
}

// OBJECTPROPERTY(id, property): facts about a schema-scoped object of the current database;
// NULL for an unknown object or property, or a table property asked of something else.
void fn_objectproperty(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]) || is_null(v[1]))
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        const int64_t dbid = h->current_db().id, id = sqlite3_value_int64(v[0]);
        Stmt q(h->db(), "SELECT o.type, o.schema_id, m.is_encrypted, m.is_schema_bound, "
                        "m.uses_quoted_identifier, m.uses_ansi_nulls, m.is_instead_of_trigger, "
                        "m.trigger_events FROM \"$objects\" o LEFT JOIN \"$modules\" m ON "
                        "m.database_id = o.database_id AND m.object_id = o.object_id WHERE "
                        "o.database_id = ? AND o.object_id = ?");
        q.bind(1, dbid).bind(2, id);
        if (!q.step())
            return sqlite3_result_null(c);
        const std::string type = q.text_col(0);
        const bool module = sqlite3_column_type(q.get(), 2) != SQLITE_NULL;
        const std::string p = str_value(v[1]);
        auto flag = [&](bool b) { sqlite3_result_int(c, b ? 1 : 0); };
        auto is = [&](std::initializer_list<const char *> types) {
            for (const char *x : types)
                if (type == x)
                    return true;
            return false;
        };
        // How many rows a catalog query finds for this object (?1 database, ?2 object).
        auto count = [&](const char *sql) {
            Stmt n(h->db(), sql);
            n.bind(1, dbid).bind(2, id);
            n.step();
            return n.int_col(0);
        };
        if (iprop(p, "IsTable") || iprop(p, "IsUserTable"))
            return flag(type == "U");
        if (iprop(p, "IsView"))
            return flag(type == "V");
        if (iprop(p, "IsProcedure"))
            return flag(type == "P");
        if (iprop(p, "IsTrigger"))
            return flag(type == "TR");
        if (iprop(p, "IsScalarFunction"))
            return flag(type == "FN");
        if (iprop(p, "IsTableFunction"))
            return flag(is({"IF", "TF"}));
        if (iprop(p, "IsInlineFunction"))
            return flag(type == "IF");
        if (iprop(p, "IsPrimaryKey"))
            return flag(type == "PK");
        if (iprop(p, "IsForeignKey"))
            return flag(type == "F");
        if (iprop(p, "IsDefaultCnst"))
            return flag(type == "D");
        if (iprop(p, "IsCheckCnst"))
            return flag(type == "C");
        if (iprop(p, "IsUniqueCnst"))
            return flag(type == "UQ");
        if (iprop(p, "IsConstraint"))
            return flag(is({"PK", "F", "D", "C", "UQ"}));
        if (iprop(p, "IsExecuted"))
            return flag(is({"P", "FN", "IF", "TF", "TR"}));
        if (iprop(p, "IsDefault") || iprop(p, "IsRule") || iprop(p, "IsSystemTable") ||
            iprop(p, "IsMSShipped") || iprop(p, "IsReplProc") || iprop(p, "IsExtendedProc"))
            return flag(false);
        if (iprop(p, "SchemaId"))
            return sqlite3_result_int64(c, q.int_col(1));
        if (iprop(p, "OwnerId")) // every schema is owned by dbo (principal 1)
            return sqlite3_result_int(c, 1);
        if (iprop(p, "IsEncrypted"))
            return module ? flag(q.int_col(2) != 0) : sqlite3_result_null(c);
        if (iprop(p, "IsSchemaBound"))
            return module ? flag(q.int_col(3) != 0) : sqlite3_result_null(c);
        if (iprop(p, "IsQuotedIdentOn"))
            return module || type == "U" ? flag(!module || q.int_col(4) != 0)
                                         : sqlite3_result_null(c);
        if (iprop(p, "ExecIsAnsiNullsOn"))
            return module ? flag(q.int_col(5) != 0) : sqlite3_result_null(c);
        if (iprop(p, "IsAnsiNullsOn"))
            return module || type == "U" ? flag(!module || q.int_col(5) != 0)
                                         : sqlite3_result_null(c);
        if (type == "TR" && (iprop(p, "ExecIsInsertTrigger") || iprop(p, "ExecIsUpdateTrigger") ||
                             iprop(p, "ExecIsDeleteTrigger"))) {
            std::string events = q.text_col(7);
            for (auto &ch : events)
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            const char *ev = iprop(p, "ExecIsInsertTrigger")   ? "INSERT"
                             : iprop(p, "ExecIsUpdateTrigger") ? "UPDATE"
                                                               : "DELETE";
            return flag(events.find(ev) != std::string::npos);
        }
        if (iprop(p, "ExecIsInsteadOfTrigger"))
            return type == "TR" ? flag(q.int_col(6) != 0) : sqlite3_result_null(c);
        if (iprop(p, "ExecIsAfterTrigger"))
            return type == "TR" ? flag(q.int_col(6) == 0) : sqlite3_result_null(c);
        // Table properties: NULL unless the object is a table (views answer the index ones).
        if (iprop(p, "TableHasIndex") || iprop(p, "TableHasClustIndex") ||
            iprop(p, "TableHasNonclustIndex") || iprop(p, "IsIndexed")) {
            if (type != "U" && type != "V")
                return sqlite3_result_null(c);
            const char *sql =
                iprop(p, "TableHasClustIndex")
                    ? "SELECT COUNT(*) FROM \"$indexes\" WHERE database_id = ?1 AND object_id = "
                      "?2 AND type = 1"
                : iprop(p, "TableHasNonclustIndex")
                    ? "SELECT COUNT(*) FROM \"$indexes\" WHERE database_id = ?1 AND object_id = "
                      "?2 AND type = 2"
                    : "SELECT COUNT(*) FROM \"$indexes\" WHERE database_id = ?1 AND object_id = "
                      "?2 AND type > 0";
            return flag(count(sql) > 0);
        }
        if (p.size() > 5 && strncasecmp(p.c_str(), "Table", 5) == 0 && type != "U")
            return sqlite3_result_null(c);
        if (iprop(p, "TableHasPrimaryKey") || iprop(p, "TableHasForeignKey") ||
            iprop(p, "TableHasUniqueCnst") || iprop(p, "TableHasDefaultCnst") ||
            iprop(p, "TableHasCheckCnst")) {
            const char *want = iprop(p, "TableHasPrimaryKey")    ? "PK"
                               : iprop(p, "TableHasForeignKey")  ? "F"
                               : iprop(p, "TableHasUniqueCnst")  ? "UQ"
                               : iprop(p, "TableHasDefaultCnst") ? "D"
                                                                 : "C";
            Stmt n(h->db(), "SELECT COUNT(*) FROM \"$objects\" WHERE database_id = ?1 AND "
                            "parent_object_id = ?2 AND type = ?3");
            n.bind(1, dbid).bind(2, id).bind(3, std::string(want));
            n.step();
            return flag(n.int_col(0) > 0);
        }
        if (iprop(p, "TableHasForeignRef"))
            return flag(count("SELECT COUNT(*) FROM \"$fk_columns\" WHERE database_id = ?1 AND "
                              "referenced_object_id = ?2") > 0);
        if (iprop(p, "TableHasIdentity"))
            return flag(count("SELECT COUNT(*) FROM \"$columns\" WHERE database_id = ?1 AND "
                              "object_id = ?2 AND is_identity = 1") > 0);
        if (iprop(p, "TableHasTimestamp"))
            return flag(count("SELECT COUNT(*) FROM \"$columns\" WHERE database_id = ?1 AND "
                              "object_id = ?2 AND is_rowversion = 1") > 0);
        if (iprop(p, "TableHasTextImage")) {
            Stmt n(h->db(), "SELECT type_spec FROM \"$columns\" WHERE database_id = ?1 AND "
                            "object_id = ?2");
            n.bind(1, dbid).bind(2, id);
            bool any = false;
            while (n.step()) {
                TypeId t = parse_type_name(n.text_col(0)).id;
                any = any || t == TypeId::Text || t == TypeId::NText || t == TypeId::Image;
            }
            return flag(any);
        }
        if (iprop(p, "TableHasInsertTrigger") || iprop(p, "TableHasUpdateTrigger") ||
            iprop(p, "TableHasDeleteTrigger")) {
            const char *ev = iprop(p, "TableHasInsertTrigger")   ? "%INSERT%"
                             : iprop(p, "TableHasUpdateTrigger") ? "%UPDATE%"
                                                                 : "%DELETE%";
            Stmt n(h->db(), "SELECT COUNT(*) FROM \"$objects\" o JOIN \"$modules\" m ON "
                            "m.database_id = o.database_id AND m.object_id = o.object_id WHERE "
                            "o.database_id = ?1 AND o.parent_object_id = ?2 AND o.type = 'TR' "
                            "AND m.trigger_events LIKE ?3");
            n.bind(1, dbid).bind(2, id).bind(3, std::string(ev));
            n.step();
            return flag(n.int_col(0) > 0);
        }
        if (iprop(p, "TableHasRowGuidCol") || iprop(p, "TableHasColumnSet") ||
            iprop(p, "TableIsFake") || iprop(p, "TableIsMemoryOptimized") ||
            iprop(p, "TableHasVarDecimalStorageFormat") || iprop(p, "TableIsPinned") ||
            iprop(p, "TableFulltextCatalogId") || iprop(p, "TableHasActiveFulltextIndex"))
            return flag(false);
        sqlite3_result_null(c);
    });
}

// TYPE_NAME(type_id) and TYPE_ID('name'): sys.types by user_type_id and by name.
void fn_type_name(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]))
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        Stmt q(h->db(), "SELECT name FROM \"$types\" WHERE user_type_id = ?1 UNION ALL SELECT "
                        "name FROM \"$user_types\" WHERE database_id = ?2 AND user_type_id = ?1");
        q.bind(1, sqlite3_value_int64(v[0])).bind(2, h->current_db().id);
        if (!q.step())
            return sqlite3_result_null(c);
        result_text(c, q.text_col(0));
    });
}

void fn_type_id(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]))
            return sqlite3_result_null(c);
        auto parts = split_name(str_value(v[0]));
        if (parts.size() > 2)
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        // A system type (sys or no schema), else an alias type of the schema (default dbo).
        const bool sys = parts.size() == 2 && strcasecmp(parts[0].c_str(), "sys") == 0;
        Stmt q(h->db(), "SELECT user_type_id FROM \"$types\" WHERE name = ?1 AND ?4 UNION ALL "
                        "SELECT t.user_type_id FROM \"$user_types\" t JOIN \"$schemas\" s ON "
                        "s.database_id = t.database_id AND s.schema_id = t.schema_id WHERE "
                        "t.database_id = ?2 AND t.name = ?1 AND s.name = ?3");
        q.bind(1, parts.back()).bind(2, h->current_db().id);
        q.bind(3, parts.size() == 2 ? parts[0] : std::string("dbo"));
        q.bind(4, parts.size() == 1 || sys ? 1 : 0);
        if (!q.step())
            return sqlite3_result_null(c);
        sqlite3_result_int64(c, q.int_col(0));
    });
}

// COL_NAME(table_id, column_id): the column's name in the current database.
void fn_col_name(sqlite3_context *c, int, sqlite3_value **v) {
    guarded(c, [&] {
        if (is_null(v[0]) || is_null(v[1]))
            return sqlite3_result_null(c);
        FunctionHost *h = host_of(c);
        Stmt q(h->db(), "SELECT name FROM \"$columns\" WHERE database_id = ? AND object_id = ? "
                        "AND column_id = ?");
        q.bind(1, h->current_db().id).bind(2, sqlite3_value_int64(v[0]));
        q.bind(3, sqlite3_value_int64(v[1]));
        if (!q.step())
            return sqlite3_result_null(c);
        result_text(c, q.text_col(0));
    });
}

struct Fn {
    const char *name;
    int nargs;
    void (*f)(sqlite3_context *, int, sqlite3_value **);
    bool deterministic;
};

} // namespace

std::string version_string(const ServerSettings &s) {
    int major = std::atoi(s.product_version.c_str());
    const char *year = major >= 16   ? "2022"
                       : major == 15 ? "2019"
                       : major == 14 ? "2017"
                       : major == 13 ? "2016"
                       : major == 12 ? "2014"
                       : major == 11 ? "2012"
                                     : "2008";
    return std::string("Microsoft SQL Server ") + year + " (RTM) - " + s.product_version +
           " (X64) \n\tJan  1 2024 00:00:00 \n\tCopyright (C) " + year +
           " Microsoft Corporation\n\t" + s.edition +
           " on Linux (Debian GNU/Linux 12 (bookworm)) <X64>";
}

void register_functions(sqlite3 *db, FunctionHost *host) {
    register_dblog_functions(db);
    register_session_functions(db);
    sqlite3_create_collation(db, "SIM_CI", SQLITE_UTF8, nullptr, ci_compare);
    sqlite3_create_collation(db, "SIM_DEC", SQLITE_UTF8, nullptr, dec_compare);
    sqlite3_create_collation(db, "SIM_DT", SQLITE_UTF8, nullptr, dt_compare);
    static const Fn fns[] = {
        {"sim_conv", -1, fn_conv, true},
        {"sim_try_conv", -1, fn_try_conv, true},
        {"sim_num", 1, fn_num, true},
        {"sim_add", 2, fn_add, true},
        {"sim_intdiv", 2, fn_intdiv, true},
        {"sim_div", 2, fn_div, true},
        {"sim_mod", 2, fn_mod, true},
        {"sim_len", 1, fn_len, true},
        {"sim_datalength", 2, fn_datalength, true},
        {"sim_upper", 1,
         [](sqlite3_context *c, int n, sqlite3_value **v) { fn_case(c, n, v, true); }, true},
        {"sim_lower", 1,
         [](sqlite3_context *c, int n, sqlite3_value **v) { fn_case(c, n, v, false); }, true},
        {"sim_substring", 3, fn_substring, true},
        {"sim_left", 2, fn_left, true},
        {"sim_right", 2, fn_right, true},
        {"sim_replicate", 2, fn_replicate, true},
        {"sim_replace", 3, fn_replace, true},
        {"sim_charindex", -1, fn_charindex, true},
        {"sim_concat", -1, fn_concat, true},
        {"sim_reverse", 1, fn_reverse, true},
        {"sim_space", 1, fn_space, true},
        {"sim_quotename", -1, fn_quotename, true},
        {"sim_char", 1, fn_char, true},
        {"sim_nchar", 1, fn_char, true},
        {"sim_ascii", 1, fn_ascii, true},
        {"sim_unicode", 1, fn_ascii, true},
        {"sim_like", -1, fn_like, true},
        {"sim_dateadd", 4, fn_dateadd, true},
        {"sim_datediff", 3, fn_datediff, true},
        {"sim_datepart", 2, fn_datepart, true},
        {"sim_eomonth", 1, fn_eomonth, true},
        {"sim_switchoffset", 3, fn_switchoffset, true},
        {"sim_newid", 0, fn_newid, false},
        {"sim_hashbytes", 2, fn_hashbytes, true},
        {"sim_checksum", -1, fn_checksum, true},
        {"sim_round", -1, fn_round, true},
        {"sim_floor", 1, fn_math<std::floor>, true},
        {"sim_ceiling", 1, fn_math<std::ceil>, true},
        {"sim_sqrt", 1, fn_math<std::sqrt>, true},
        {"sim_exp", 1, fn_math<std::exp>, true},
        {"sim_log", 1, fn_math<std::log>, true},
        {"sim_log10", 1, fn_math<std::log10>, true},
        {"sim_power", 2, fn_power, true},
        {"sim_isnumeric", 1, fn_isnumeric, true},
        {"sim_isdate", 1, fn_isdate, true},
        {"sim_raise_duplicate", -1, fn_raise_duplicate, false},
        {"sim_row", -1, fn_row, false},
        {"sim_type_fact", 2, fn_type_fact, true},
        {"sim_columnproperty", 3, fn_columnproperty, false},
        {"sim_objectproperty", 2, fn_objectproperty, false},
        {"sim_type_name", 1, fn_type_name, false},
        {"sim_type_id", 1, fn_type_id, false},
        {"sim_col_name", 2, fn_col_name, false},
        {"sim_db_name", -1, fn_db_name, false},
        {"sim_db_id", -1, fn_db_id, false},
        {"sim_object_id", -1, fn_object_id, false},
        {"sim_object_name", -1, fn_object_name, false},
        {"sim_object_definition", 1, fn_object_definition, false},
        {"sim_object_schema_name", -1, fn_object_schema_name, false},
        {"sim_schema_name", -1, fn_schema_name, false},
        {"sim_schema_id", -1, fn_schema_id, false},
        {"sim_suser_sname", -1, fn_login_name, false},
        {"sim_suser_name", -1, fn_login_name, false},
        {"sim_original_login", 0, fn_login_name, false},
        {"sim_system_user", 0, fn_login_name, false},
        {"sim_user_name", -1, fn_user_name, false},
        {"sim_current_user", 0, fn_user_name, false},
        {"sim_session_user", 0, fn_user_name, false},
        {"sim_user", 0, fn_user_name, false},
        {"sim_is_srvrolemember", -1, fn_is_srvrolemember, false},
        {"sim_user_id", -1, fn_user_id, false},
        {"sim_database_principal_id", -1, fn_user_id, false},
        {"sim_suser_id", -1, fn_suser_id, false},
        {"sim_is_member", 1, fn_is_member, false},
        {"sim_has_dbaccess", 1, fn_one, false},
        {"sim_has_perms_by_name", -1, fn_one, false},
        {"sim_serverproperty", 1, fn_serverproperty, false},
        {"sim_databasepropertyex", 2, fn_databasepropertyex, false},
        {"sim_server_name", 0, fn_server_name, false},
        {"sim_app_name", 0, fn_app_name, false},
        {"sim_host_name", 0, fn_host_name, false},
        {"sim_now", 0, fn_now, false},
        {"sim_eventdata", 0, fn_eventdata, false},
        {"sim_xml_value", 2, fn_xml_value, true},
        {"sim_localnow", 0, fn_localnow, false},
        {"sim_utcnow", 0, fn_utcnow, false},
        {"sim_lsn", 0, fn_lsn, false},
        {"sim_current_lsn", 0, fn_current_lsn, false},
        {"sim_xact", 0, fn_xact, false},
        {"sim_logging", 1, fn_logging, false},
        {"sim_rowversion", 0, fn_rowversion, false},
        {"sim_identity", 2, fn_identity, false},
        {"sim_ident_current", 1, fn_ident_current, false},
    };
    for (const auto &f : fns) {
        int flags = SQLITE_UTF8 | (f.deterministic ? SQLITE_DETERMINISTIC : 0);
        sqlite3_create_function_v2(db, f.name, f.nargs, flags, host, f.f, nullptr, nullptr,
                                   nullptr);
    }
    register_cdc_functions(db);
}

namespace {

// A minimal XML reader: elements, attributes, text, CDATA, comments, processing instructions
// and the predefined and numeric entities.
struct XmlNode {
    std::string name;
    std::vector<std::pair<std::string, std::string>> attrs;
    std::vector<XmlNode> children;
    std::string text; // all descendant text, in document order
};

void append_utf8(std::string &out, unsigned long cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string xml_unescape(const std::string &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        size_t semi = s.find(';', i);
        if (semi == std::string::npos) {
            out += s[i];
            continue;
        }
        std::string ent = s.substr(i + 1, semi - i - 1);
        if (ent == "lt")
            out += '<';
        else if (ent == "gt")
            out += '>';
        else if (ent == "amp")
            out += '&';
        else if (ent == "quot")
            out += '"';
        else if (ent == "apos")
            out += '\'';
        else if (!ent.empty() && ent[0] == '#')
            append_utf8(out, ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')
                                 ? std::strtoul(ent.c_str() + 2, nullptr, 16)
                                 : std::strtoul(ent.c_str() + 1, nullptr, 10));
        else
            out += "&" + ent + ";";
        i = semi;
    }
    return out;
}

class XmlReader {
public:
    explicit XmlReader(const std::string &s) : s_(s) {}
    // The top-level elements of the document (an xml value may be a fragment).
    std::vector<XmlNode> document() {
        std::vector<XmlNode> out;
        while (p_ < s_.size()) {
            if (s_[p_] == '<' && skip_markup())
                continue;
            if (s_[p_] == '<') {
                out.push_back(element());
                continue;
            }
            ++p_;
        }
        return out;
    }

private:
    [[noreturn]] void bad() {
        throw sql_error(9400, 1, 16,
                        "XML parsing: line 1, character " + std::to_string(p_ + 1) +
                            ", unexpected end of input");
    }
    // Comments, processing instructions, DOCTYPE: skipped.
    bool skip_markup() {
        if (s_.compare(p_, 4, "<!--") == 0) {
            size_t e = s_.find("-->", p_);
            p_ = e == std::string::npos ? s_.size() : e + 3;
            return true;
        }
        if (s_.compare(p_, 2, "<?") == 0) {
            size_t e = s_.find("?>", p_);
            p_ = e == std::string::npos ? s_.size() : e + 2;
            return true;
        }
        if (s_.compare(p_, 2, "<!") == 0 && s_.compare(p_, 9, "<![CDATA[") != 0) {
            size_t e = s_.find('>', p_);
            p_ = e == std::string::npos ? s_.size() : e + 1;
            return true;
        }
        return false;
    }
    static bool name_char(char c) {
        return !std::isspace(static_cast<unsigned char>(c)) && c != '>' && c != '/' && c != '=';
    }
    XmlNode element() {
        XmlNode n;
        ++p_; // '<'
        while (p_ < s_.size() && name_char(s_[p_]))
            n.name += s_[p_++];
        for (;;) {
            while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_])))
                ++p_;
            if (p_ >= s_.size())
                bad();
            if (s_[p_] == '/') {
                p_ += 2; // "/>"
                return n;
            }
            if (s_[p_] == '>') {
                ++p_;
                break;
            }
            std::string an;
            while (p_ < s_.size() && name_char(s_[p_]))
                an += s_[p_++];
            while (p_ < s_.size() && s_[p_] != '"' && s_[p_] != '\'')
                ++p_;
            if (p_ >= s_.size())
                bad();
            char q = s_[p_++];
            size_t e = s_.find(q, p_);
            if (e == std::string::npos)
                bad();
            n.attrs.emplace_back(an, xml_unescape(s_.substr(p_, e - p_)));
            p_ = e + 1;
        }
        for (;;) {
            if (p_ >= s_.size())
                bad();
            if (s_.compare(p_, 2, "</") == 0) {
                size_t e = s_.find('>', p_);
                if (e == std::string::npos)
                    bad();
                p_ = e + 1;
                return n;
            }
            if (s_.compare(p_, 9, "<![CDATA[") == 0) {
                size_t e = s_.find("]]>", p_);
                if (e == std::string::npos)
                    bad();
                n.text += s_.substr(p_ + 9, e - p_ - 9);
                p_ = e + 3;
                continue;
            }
            if (s_[p_] == '<') {
                if (skip_markup())
                    continue;
                n.children.push_back(element());
                n.text += n.children.back().text;
                continue;
            }
            size_t e = s_.find('<', p_);
            if (e == std::string::npos)
                bad();
            n.text += xml_unescape(s_.substr(p_, e - p_));
            p_ = e;
        }
    }
    const std::string &s_;
    size_t p_ = 0;
};

} // namespace

std::optional<std::string> xml_path_value(const std::string &xml, const std::string &path) {
    // (/a/b/c)[1], /a/b/c[1], /a/b[1]/c[1], /a/@x, (/a/b/@x)[1]: every step takes its first match.
    std::string p = path;
    auto trim = [](std::string &t) {
        while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front())))
            t.erase(t.begin());
        while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())))
            t.pop_back();
    };
    trim(p);
    if (!p.empty() && p.front() == '(') {
        size_t close = p.rfind(')');
        if (close == std::string::npos)
            throw sql_error(2389, 1, 16,
                            "XQuery [value()]: 'value()' requires a singleton (or "
                            "empty sequence), found operand of type 'xs:string *'");
        std::string tail = p.substr(close + 1);
        trim(tail);
        if (!tail.empty() && tail != "[1]")
            return std::nullopt;
        p = p.substr(1, close - 1);
        trim(p);
    }
    if (p.empty() || p.front() != '/')
        throw sql_error(2389, 1, 16,
                        "XQuery [value()]: 'value()' requires a singleton (or "
                        "empty sequence), found operand of type 'xdt:untypedAtomic "
                        "*'");
    std::vector<std::string> steps;
    size_t i = 1;
    while (i <= p.size()) {
        size_t e = p.find('/', i);
        if (e == std::string::npos)
            e = p.size();
        std::string st = p.substr(i, e - i);
        size_t br = st.find('[');
        if (br != std::string::npos) {
            if (st.substr(br) != "[1]")
                return std::nullopt;
            st = st.substr(0, br);
        }
        trim(st);
        steps.push_back(st);
        i = e + 1;
    }
    XmlReader r(xml);
    std::vector<XmlNode> top = r.document();
    const std::vector<XmlNode> *level = &top;
    const XmlNode *cur = nullptr;
    for (size_t k = 0; k < steps.size(); ++k) {
        const std::string &st = steps[k];
        if (!st.empty() && st[0] == '@') {
            if (!cur || k + 1 != steps.size())
                return std::nullopt;
            for (const auto &[n, v] : cur->attrs)
                if (n == st.substr(1))
                    return v;
            return std::nullopt;
        }
        if (st == "text()") {
            if (!cur)
                return std::nullopt;
            return cur->text;
        }
        const XmlNode *found = nullptr;
        for (const auto &n : *level)
            if (st == "*" || n.name == st) {
                found = &n;
                break;
            }
        if (!found)
            return std::nullopt;
        cur = found;
        level = &found->children;
    }
    if (!cur)
        return std::nullopt;
    return cur->text;
}

} // namespace sim::sql
