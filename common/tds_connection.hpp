// A connection to SQL Server through FreeTDS DB-Library, owned by RAII and shared by the
// extension (FDW) and the sidecar. No PostgreSQL headers: the callers decide how an error
// surfaces (ereport at the extension boundary, a log line in the sidecar).
//
// FreeTDS reports errors and server messages through process-global callbacks; ours only record
// them on the connection (or, during login, in a thread-local buffer). The call that triggered
// them then throws dts::Error after the library call has returned.
#pragma once

#include "error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct tds_dblib_dbprocess;
struct tds_dblib_loginrec;

namespace dts::tds {

struct ServerOptions {
    std::string label = "sqlserver"; // names the server in messages (e.g. the foreign server)
    std::string host = "localhost";
    int port = 1433;
    std::string database;
    std::string encrypt = "request"; // off | request | require
    int login_timeout = 15;          // seconds
    int query_timeout = 0;           // seconds, 0 = none
    // Seconds one call may wait with nothing from the server (0 = none). Unlike query_timeout it
    // never ends a result that keeps streaming; it ends a wait on a server that stopped
    // answering (the error is a connection failure, 08006, so callers retry).
    int idle_timeout = 0;
    std::string app_name = "pg_dts";
    std::string tds_version = "7.4";
    // TDS packet size asked for at login (512..32767; the server may answer with another);
    // 0: FreeTDS's default (4096).
    int packet_size = 0;
};

// For sessions that move bulk data (the sidecar's copies and change reads): SQL Server's largest
// packet, a quarter as many packets to frame, send and read as the default's.
constexpr int kBulkPacketSize = 32767;

struct Credentials {
    std::string user;
    std::string password;
};

struct ServerMessage {
    int number = 0;
    int state = 0;
    int severity = 0;
    std::string text;
    std::string procedure;
    int line = 0;
};

struct ColumnDesc {
    std::string name;
    int type = 0;       // DB-Library type (SYBINT4, SYBMSDATETIME2, ...)
    int max_length = 0; // bytes
    int precision = 0;
    int scale = 0;
};

class Connection {
public:
    Connection(const ServerOptions &server, const Credentials &cred);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Sends a batch and waits for its first response. Throws on a server error.
    void execute(const std::string &tsql);
    // Advances to the next result set; false when the batch is done.
    bool next_result();
    int column_count() const;
    ColumnDesc column(int i) const; // 1-based
    bool next_row();
    // Column data of the current row: nullptr for NULL.
    const uint8_t *data(int i) const;
    int length(int i) const;
    // Stops the running batch (sends an ATTENTION) and discards its results.
    void cancel();
    // Reads and discards what is left of the batch.
    void drain();
    // Runs a whole batch, discarding any result rows; returns the rows its statements affected
    // (summed over the results that carry no columns). Server messages: take_messages().
    long long execute_all(const std::string &tsql);
    // Runs a query and returns the rows of its result sets as text (value_to_text forms; NULL as
    // nullopt). For catalog queries, whose results are small: it materializes them.
    struct TextResult {
        std::vector<ColumnDesc> columns; // of the first result set with columns
        std::vector<std::vector<std::optional<std::string>>> rows;
    };
    TextResult query_text(const std::string &tsql);
    // The same, a row at a time (`each` may take the row's values): for results of any size.
    // `on_result` (optional) is told each result set's columns before its rows. An exception
    // from a callback leaves the batch unread (the connection must be dropped).
    void query_rows(const std::string &tsql,
                    const std::function<void(const std::vector<ColumnDesc> &,
                                             std::vector<std::optional<std::string>> &)> &each,
                    const std::function<void(const std::vector<ColumnDesc> &)> &on_result = {});
    bool dead() const;
    // Informational messages (severity <= 10) received so far.
    std::vector<ServerMessage> take_messages();

    // A cheap predicate polled while waiting on the server (e.g. "a query cancel is pending");
    // when it returns true the running batch is cancelled and the waiting call throws.
    using InterruptCheck = bool (*)();
    static void set_interrupt_check(InterruptCheck check);
    // Applied to every batch before it is sent (FreeTDS sends UTF-8): the extension converts
    // text in a database encoding other than UTF-8. None by default.
    using OutgoingText = std::string (*)(const std::string &);
    static void set_outgoing_text(OutgoingText convert);
    // For a multi-threaded process with no other DB-Library user (the sidecar): sets FREETDSCONF
    // once, before threads start, instead of around each login (setenv races with getenv).
    static void pin_config_environment();

    // Recorded by the library callbacks.
    struct State;

private:
    [[noreturn]] void raise(const std::string &what);
    void check_failed(int rc, const std::string &what);

    ServerOptions server_;
    tds_dblib_dbprocess *proc_ = nullptr;
    std::unique_ptr<State> state_;
};

// Conversion of a DB-Library value to text in the forms PostgreSQL's input functions accept
// (ISO dates, plain decimals, \x hex for binary, canonical UUIDs). Pure, unit-tested.
std::string value_to_text(int type, const uint8_t *data, int length, int scale);
// The same value appended to `out` as one PostgreSQL COPY text field (escaped), without the
// intermediate string for the common types.
void append_copy_text(std::string &out, int type, const uint8_t *data, int length, int scale);
// The value of an integer column (tinyint, smallint, int, bigint) as a number, read from the row
// buffer; nullopt for any other type (the caller converts its text instead).
std::optional<int64_t> value_to_integer(int type, const uint8_t *data, int length);
// Character string types and xml (their row-buffer bytes are UTF-8 text, which may hold NUL
// characters), so a reader can look at them in place.
bool is_string_type(int type);

} // namespace dts::tds
