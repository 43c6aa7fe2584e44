// SQL Server errors raised by the engine, with their documented numbers, states and severities.
#pragma once

#include "engine.hpp"

#include <string>

namespace sim::sql {

inline SqlError sql_error(int number, int state, int severity, std::string text) {
    Message m;
    m.number = number;
    m.state = static_cast<uint8_t>(state);
    m.severity = static_cast<uint8_t>(severity);
    m.text = std::move(text);
    return SqlError(m);
}

inline SqlError syntax_error(const std::string &near) {
    return sql_error(102, 1, 15, "Incorrect syntax near '" + near + "'.");
}

// Errors that end the whole batch rather than only the failing statement.
inline bool aborts_batch(int number) {
    switch (number) {
    case 102:
    case 105:
    case 156:
    case 207:
    case 208:
    case 245:
    case 8114:
    case 241:
    case 4060:
    case 911:
    case 3609: // the transaction ended in the trigger
    case 3616: // an error was raised during trigger execution
        return true;
    default:
        return false;
    }
}

// Registered SQLite functions raise SQL Server errors through sqlite3_result_error with this
// prefix, which the executor turns back into SqlError.
constexpr const char *kErrorPrefix = "SIMERR|";
std::string encode_error(const Message &m);
bool decode_error(const std::string &text, Message &m);

} // namespace sim::sql
