// T-SQL tokens: identifiers (plain, [bracketed], "quoted"), N'..'/'..' strings, 0x binary,
// numbers, @variables, @@globals, operators; comments are dropped.
#pragma once

#include <string>
#include <vector>

namespace sim::sql {

enum class Tok {
    Ident,
    QuotedIdent,
    String,
    NString,
    Binary,
    Integer,
    Decimal,
    Float,
    Variable,
    Global,
    Op,
    End
};

struct Token {
    Tok kind = Tok::End;
    std::string text;  // identifier/string content without quotes; operator text; number text
    std::string upper; // for Ident: upper-cased, for keyword matching
    int line = 1;
    size_t offset = 0;
};

// Throws SqlError 102/105 for unterminated strings or identifiers.
std::vector<Token> tokenize(const std::string &sql);

} // namespace sim::sql
