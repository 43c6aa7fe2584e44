// The contract between the simulator's TDS front end (tds/) and its SQL engine (sql/).
//
// The front end owns sockets, TLS, packets and token encoding; the engine owns T-SQL, the
// catalogs and storage. Neither includes the other's headers: they meet only here, so either side
// can be unit-tested against a fake of the other.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sim {

// SQL Server data types as the catalog (sys.types) names them.
enum class TypeId {
    Bit,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Decimal,
    Numeric,
    Money,
    SmallMoney,
    Real,
    Float,
    Date,
    Time,
    DateTime,
    SmallDateTime,
    DateTime2,
    DateTimeOffset,
    Char,
    VarChar,
    NChar,
    NVarChar,
    Text,
    NText,
    Binary,
    VarBinary,
    Image,
    UniqueIdentifier,
    Xml,
    Timestamp, // rowversion
    HierarchyId,
    SqlVariant,
    Geometry,
    Geography,
};

// A column or parameter type. `length` is the declared length in *characters* for
// char/varchar/nchar/nvarchar and in bytes for binary/varbinary; kMax for the (max) variants.
// `precision`/`scale` are meaningful for decimal/numeric, and `scale` for time, datetime2 and
// datetimeoffset (fractional-second digits, 0..7).
struct SqlType {
    static constexpr int32_t kMax = -1;
    TypeId id = TypeId::Int;
    int32_t length = 0;
    uint8_t precision = 0;
    uint8_t scale = 0;
};

// One value as the engine stores it. The canonical representations (the front end encodes
// from these, and decodes RPC parameters into them):
//   bit/tinyint/smallint/int/bigint        Int
//   real/float                             Real
//   decimal/numeric/money/smallmoney       Text, plain decimal "-123.4500" with exactly `scale`
//                                          digits after the point (money: 4), no exponent
//   date                                   Text "YYYY-MM-DD"
//   time                                   Text "hh:mm:ss.fffffff" (always 7 fraction digits)
//   datetime2/datetime/smalldatetime       Text "YYYY-MM-DD hh:mm:ss.fffffff"
//   datetimeoffset                         Text "YYYY-MM-DD hh:mm:ss.fffffff +hh:mm" (local time
//                                          and its offset, as SQL Server displays it)
//   char/varchar/nchar/nvarchar/text/
//   ntext/xml                              Text, UTF-8 (characters outside the BMP allowed)
//   uniqueidentifier                       Text "6F9619FF-8B86-D011-B42D-00C04FC964FF" (upper)
//   binary/varbinary/image/timestamp/
//   hierarchyid/geometry/geography         Blob
//   sql_variant                            whichever kind the stored value has; the front end
//                                          picks the variant base type from it
struct Value {
    enum class Kind { Null, Int, Real, Text, Blob };
    Kind kind = Kind::Null;
    int64_t i = 0;
    double d = 0;
    std::string s; // Text (UTF-8) or Blob (bytes)

    static Value null() { return {}; }
    static Value integer(int64_t v) {
        Value x;
        x.kind = Kind::Int;
        x.i = v;
        return x;
    }
    static Value real(double v) {
        Value x;
        x.kind = Kind::Real;
        x.d = v;
        return x;
    }
    static Value text(std::string v) {
        Value x;
        x.kind = Kind::Text;
        x.s = std::move(v);
        return x;
    }
    static Value blob(std::string v) {
        Value x;
        x.kind = Kind::Blob;
        x.s = std::move(v);
        return x;
    }
    bool is_null() const { return kind == Kind::Null; }
};

// Result-set column description (COLMETADATA).
struct ColumnInfo {
    std::string name; // may be empty for unnamed expressions
    SqlType type;
    bool nullable = true;
    bool identity = false;
    bool computed = false;
    // For text/ntext/image, SQL Server sends the base table's name; empty when not a column.
    std::string table_name;
};

// A server message (ERROR or INFO token). severity > 10 is an error.
struct Message {
    int32_t number = 0;
    uint8_t state = 1;
    uint8_t severity = 16;
    std::string text;
    std::string procedure;
    int32_t line = 1;
};

// Thrown inside the engine for SQL Server errors. The engine catches it at statement/batch
// level and reports it through ResultSink::message; it never reaches the front end.
struct SqlError : std::runtime_error {
    Message msg;
    explicit SqlError(Message m) : std::runtime_error(m.text), msg(std::move(m)) {}
};

// Where the engine sends results. Implemented by the front end (encodes TDS tokens) and by
// test fakes.
class ResultSink {
public:
    virtual ~ResultSink() = default;
    // Start of a result set; `rows` follow, then end_statement(). With SET FMTONLY ON only the
    // columns are sent.
    virtual void columns(const std::vector<ColumnInfo> &cols) = 0;
    // One row, values in column order. Returns false when the client cancelled (ATTENTION):
    // the engine must stop the statement at once and return from execute_*.
    virtual bool row(const std::vector<Value> &values) = 0;
    // End of one statement (DONE / DONEINPROC). `count` is set for statements that report a
    // row count (SELECT, INSERT, UPDATE, DELETE) unless SET NOCOUNT ON; `error` when the
    // statement failed.
    virtual void end_statement(std::optional<uint64_t> count, bool error) = 0;
    virtual void message(const Message &m) = 0;
    // ENVCHANGE notifications.
    virtual void database_changed(const std::string &new_db, const std::string &old_db) = 0;
    // Transaction began / committed / rolled back; `descriptor` is the 8-byte transaction
    // descriptor the client must echo in ALL_HEADERS.
    virtual void transaction_began(uint64_t descriptor) = 0;
    virtual void transaction_ended(uint64_t descriptor, bool committed) = 0;
    // RPC: output parameter value and return status.
    virtual void return_value(const std::string &name, const SqlType &type, const Value &v) = 0;
    virtual void return_status(int32_t status) = 0;
    // Polled by long-running operations (WAITFOR, big scans between rows) so that an
    // ATTENTION stops them even when no row is being sent.
    virtual bool cancelled() = 0;
};

// An RPC parameter as decoded from the wire.
struct RpcParam {
    std::string name; // with leading '@', may be empty (positional)
    SqlType type;
    Value value;
    bool output = false;
};

// The rows of a bulk load (packet type 7) as the client described and sent them.
struct BulkRows {
    std::vector<std::string> columns;
    std::vector<SqlType> types;
    std::vector<std::vector<Value>> rows;
};

struct LoginInfo {
    std::string user;
    std::string password;
    std::string database; // requested initial database; empty = login's default
    std::string app_name;
    std::string host_name;
};

class Session {
public:
    virtual ~Session() = default;
    virtual std::string current_database() const = 0;
    // Runs a SQL batch (packet type 1); all results and messages go to `sink`.
    virtual void execute_batch(const std::string &sql_utf8, ResultSink &sink) = 0;
    // Runs an RPC (packet type 3): `proc` is the procedure name, or for well-known ProcIDs the
    // name SQL Server documents for them ("sp_executesql", "sp_prepare", ...).
    virtual void execute_rpc(const std::string &proc, const std::vector<RpcParam> &params,
                             ResultSink &sink) = 0;
    // Transaction manager requests (packet type 14).
    virtual void tm_begin(ResultSink &sink) = 0;
    virtual void tm_commit(ResultSink &sink, bool begin_new) = 0;
    virtual void tm_rollback(ResultSink &sink, bool begin_new) = 0;
    // The descriptor of the open transaction, 0 when none.
    virtual uint64_t transaction_descriptor() const = 0;
    // Session id (@@SPID) shown in packet headers.
    virtual uint16_t spid() const = 0;
    // Bulk load data (packet type 7) for the INSERT BULK statement the session ran last.
    virtual void bulk_load(const BulkRows &rows, ResultSink &sink) = 0;
};

// How to end the connection of session `spid` (KILL): the front end registers it after login;
// it is forgotten when the session ends.
void set_session_killer(uint16_t spid, std::function<void()> kill);

// A SQL login the simulator accepts (CREATE LOGIN ... WITH PASSWORD).
struct LoginDef {
    std::string name;
    std::string password;
    bool sysadmin = false;
    std::string default_database = "master";
};

struct ServerSettings {
    std::string server_name = "SIMSQL"; // @@SERVERNAME, sys.sysservers (srvid 0)
    // SERVERPROPERTY('ServerName'/'MachineName') when the host was renamed after setup (SQL
    // Server keeps the old name in sys.sysservers until sp_dropserver/sp_addserver); empty: same.
    std::string machine_name;
    std::string edition = "Enterprise Edition (64-bit)"; // SERVERPROPERTY('Edition')
    int engine_edition = 3;                              // SERVERPROPERTY('EngineEdition')
    std::string product_version = "15.0.4365.2"; // SERVERPROPERTY('ProductVersion'), 2019 CU
    std::string data_dir;                        // where the engine keeps its files
    std::vector<LoginDef> logins;                // at least one; "sa" is sysadmin by convention
    int cdc_poll_ms = 5000; // the CDC capture process's polling interval (capture job: 5 s)
};

class Engine {
public:
    virtual ~Engine() = default;
    // Checks credentials and the initial database. Throws SqlError with SQL Server's number
    // (18456 login failed, 4060 cannot open database) on failure. On success the session
    // starts in `login.database` (or the login's default); the front end then sends the
    // ENVCHANGE for it.
    virtual std::unique_ptr<Session> open_session(const LoginInfo &login) = 0;
    virtual const ServerSettings &settings() const = 0;
};

// Opens (creating when absent) the engine's store under settings.data_dir. Implemented in sql/.
std::unique_ptr<Engine> open_engine(const ServerSettings &settings);

} // namespace sim
