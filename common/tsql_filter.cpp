#include "tsql_filter.hpp"

#include "error.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace dts::tsql {

namespace {
// Words that start or belong to a statement rather than an expression, and the rowset functions
// that send their own text to a server. All are reserved keywords in T-SQL.
constexpr std::array kForbiddenWords = {
    "ALTER",   "BACKUP",     "BEGIN",     "BULK",     "CHECKPOINT",     "COMMIT",    "CREATE",
    "DBCC",    "DEALLOCATE", "DECLARE",   "DELETE",   "DENY",           "DROP",      "DUMP",
    "EXEC",    "EXECUTE",    "FETCH",     "GOTO",     "GRANT",          "INSERT",    "INTO",
    "KILL",    "LOAD",       "MERGE",     "OPEN",     "OPENDATASOURCE", "OPENQUERY", "OPENROWSET",
    "OPENXML", "PRINT",      "RAISERROR", "READTEXT", "RECONFIGURE",    "RESTORE",   "RETURN",
    "REVERT",  "REVOKE",     "ROLLBACK",  "SAVE",     "SETUSER",        "SHUTDOWN",  "TRUNCATE",
    "UPDATE",  "UPDATETEXT", "USE",       "WAITFOR",  "WHILE",          "WRITETEXT", "SET"};

bool forbidden(std::string word) {
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return std::find(kForbiddenWords.begin(), kForbiddenWords.end(), word) != kForbiddenWords.end();
}

bool word_char(unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '@' || c == '#' || c == '$' || c >= 0x80;
}

// Index just past a quoted token opened at `i` and closed by `close` (doubled to escape), or npos.
size_t skip_quoted(std::string_view s, size_t i, char close) {
    for (size_t j = i + 1; j < s.size(); ++j) {
        if (s[j] != close)
            continue;
        if (j + 1 < s.size() && s[j + 1] == close) {
            ++j;
            continue;
        }
        return j + 1;
    }
    return std::string_view::npos;
}
} // namespace

std::optional<std::string> search_condition_error(std::string_view s) {
    if (s.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return "the filter is empty";
    int depth = 0;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 && c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return "the filter contains a control character";
        if (c == '\'' || c == '"' || c == '[') {
            size_t end = skip_quoted(s, i, c == '[' ? ']' : static_cast<char>(c));
            if (end == std::string_view::npos)
                return c == '\'' ? "a string literal is not closed"
                                 : "a quoted identifier is not closed";
            i = end;
            continue;
        }
        if (c == ';')
            return "the filter contains ';' (it must be one search condition, not statements)";
        if ((c == '-' && i + 1 < s.size() && s[i + 1] == '-') ||
            (c == '/' && i + 1 < s.size() && s[i + 1] == '*'))
            return "the filter contains a comment";
        if (c == '(') {
            ++depth;
        } else if (c == ')') {
            if (--depth < 0)
                return "the filter closes a parenthesis it did not open";
        } else if (word_char(c) && !std::isdigit(c)) {
            size_t j = i;
            while (j < s.size() && word_char(static_cast<unsigned char>(s[j])))
                ++j;
            std::string word(s.substr(i, j - i));
            if (forbidden(word))
                return "the filter contains the keyword " + word +
                       " (a search condition has no statements; bracket a column of that name)";
            i = j;
            continue;
        }
        ++i;
    }
    if (depth != 0)
        return "the filter leaves a parenthesis open";
    return std::nullopt;
}

void require_search_condition(std::string_view filter, const std::string &what) {
    if (auto why = search_condition_error(filter))
        throw Error("22023", what + " is not one T-SQL search condition: " + *why,
                    "Filter: " + std::string(filter),
                    "Write one boolean expression on the table's columns, e.g. [region] = N'EU' "
                    "AND [id] > 100.");
}

} // namespace dts::tsql
