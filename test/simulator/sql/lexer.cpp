#include "lexer.hpp"

#include "errors.hpp"

#include <cctype>

namespace sim::sql {

namespace {
bool ident_start(unsigned char c) {
    return std::isalpha(c) || c == '_' || c == '#' || c >= 0x80;
}
bool ident_part(unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '#' || c == '$' || c == '@' || c >= 0x80;
}
std::string upper(std::string s) {
    for (auto &c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
} // namespace

std::vector<Token> tokenize(const std::string &s) {
    std::vector<Token> out;
    size_t i = 0;
    int line = 1;
    auto push = [&](Tok k, std::string text, size_t at) {
        Token t;
        t.kind = k;
        t.upper = k == Tok::Ident ? upper(text) : std::string();
        t.text = std::move(text);
        t.line = line;
        t.offset = at;
        out.push_back(std::move(t));
    };
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\n') {
            ++line;
            ++i;
            continue;
        }
        if (std::isspace(c)) {
            ++i;
            continue;
        }
        if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
            while (i < s.size() && s[i] != '\n')
                ++i;
            continue;
        }
        if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            int depth = 0;
            do {
                if (s.compare(i, 2, "/*") == 0) {
                    ++depth;
                    i += 2;
                } else if (s.compare(i, 2, "*/") == 0) {
                    --depth;
                    i += 2;
                } else {
                    if (s[i] == '\n')
                        ++line;
                    ++i;
                }
            } while (depth > 0 && i < s.size());
            if (depth > 0)
                throw sql_error(113, 1, 15, "Missing end comment mark '*/'.");
            continue;
        }
        size_t start = i;
        bool nstr = (c == 'N' || c == 'n') && i + 1 < s.size() && s[i + 1] == '\'';
        if (c == '\'' || nstr) {
            if (nstr)
                ++i;
            ++i;
            std::string v;
            for (;;) {
                if (i >= s.size())
                    throw sql_error(105, 1, 15,
                                    "Unclosed quotation mark after the character string '" + v +
                                        "'.");
                if (s[i] == '\'') {
                    if (i + 1 < s.size() && s[i + 1] == '\'') {
                        v += '\'';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                if (s[i] == '\n')
                    ++line;
                v += s[i++];
            }
            push(nstr ? Tok::NString : Tok::String, v, start);
            continue;
        }
        if (c == '[' || c == '"') {
            char close = c == '[' ? ']' : '"';
            ++i;
            std::string v;
            for (;;) {
                if (i >= s.size())
                    throw sql_error(105, 1, 15,
                                    "Unclosed quotation mark after the character string '" + v +
                                        "'.");
                if (s[i] == close) {
                    if (i + 1 < s.size() && s[i + 1] == close) {
                        v += close;
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                v += s[i++];
            }
            push(Tok::QuotedIdent, v, start);
            continue;
        }
        if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            i += 2;
            while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i])))
                ++i;
            push(Tok::Binary, s.substr(start + 2, i - start - 2), start);
            continue;
        }
        if (std::isdigit(c) ||
            (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            bool dot = false, exp = false;
            while (i < s.size()) {
                char d = s[i];
                if (std::isdigit(static_cast<unsigned char>(d))) {
                    ++i;
                } else if (d == '.' && !dot && !exp) {
                    dot = true;
                    ++i;
                } else if ((d == 'e' || d == 'E') && !exp) {
                    exp = true;
                    ++i;
                    if (i < s.size() && (s[i] == '+' || s[i] == '-'))
                        ++i;
                } else {
                    break;
                }
            }
            push(exp   ? Tok::Float
                 : dot ? Tok::Decimal
                       : Tok::Integer,
                 s.substr(start, i - start), start);
            continue;
        }
        if (c == '@') {
            bool global = i + 1 < s.size() && s[i + 1] == '@';
            i += global ? 2 : 1;
            while (i < s.size() && ident_part(static_cast<unsigned char>(s[i])))
                ++i;
            std::string name = s.substr(start, i - start);
            push(global ? Tok::Global : Tok::Variable, name, start);
            out.back().upper = upper(name);
            continue;
        }
        if (ident_start(c)) {
            while (i < s.size() && ident_part(static_cast<unsigned char>(s[i])))
                ++i;
            push(Tok::Ident, s.substr(start, i - start), start);
            continue;
        }
        static const char *two[] = {"<>", "!=", ">=", "<=", "!<", "!>",
                                    "+=", "-=", "*=", "/=", "||"};
        bool matched = false;
        for (const char *op : two) {
            if (s.compare(i, 2, op) == 0) {
                push(Tok::Op, op, start);
                i += 2;
                matched = true;
                break;
            }
        }
        if (matched)
            continue;
        push(Tok::Op, std::string(1, static_cast<char>(c)), start);
        ++i;
    }
    Token end;
    end.kind = Tok::End;
    end.line = line;
    end.offset = s.size();
    out.push_back(end);
    return out;
}

} // namespace sim::sql
