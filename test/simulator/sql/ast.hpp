// The parsed form of the T-SQL subset the simulator runs.
#pragma once

#include "engine.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sim::sql {

struct Select;
struct Expr;
using ExprPtr = std::shared_ptr<Expr>;
using SelectPtr = std::shared_ptr<Select>;

struct OrderItem {
    ExprPtr expr;
    bool desc = false;
};

struct Expr {
    enum class K {
        Null,
        Int,
        Num,
        Float,
        Str,
        NStr,
        Bin,
        Column,
        Var,
        Global,
        Unary,
        Binary,
        Func,
        Case,
        Cast,
        InList,
        InSelect,
        Exists,
        Between,
        Like,
        IsNull,
        Subquery,
        Star,
        Default
    };
    K k = K::Null;
    std::string text;               // literal text, operator, function name (upper), var name
    std::vector<std::string> parts; // Column: name parts; Star: qualifier parts
    std::vector<ExprPtr> args;      // operands / function args / CASE: [operand?] when,then.. else
    SelectPtr select;               // InSelect / Exists / Subquery
    SqlType type;                   // Cast target
    bool has_type = false;
    bool negated = false;  // NOT IN / NOT BETWEEN / NOT LIKE / IS NOT NULL / NOT EXISTS
    bool distinct = false; // COUNT(DISTINCT x)
    bool case_has_operand = false;
    bool has_else = false;
    // window: OVER (PARTITION BY ... ORDER BY ...)
    bool over = false;
    std::vector<ExprPtr> partition;
    std::vector<OrderItem> over_order;
    int style = -1; // CONVERT style
};

struct TableRef;
using TableRefPtr = std::shared_ptr<TableRef>;

struct TableRef {
    enum class K { Table, Derived, Join, Values, Function };
    K k = K::Table;
    std::vector<std::string> name; // Table: 1-3 parts
    std::string alias;
    std::vector<std::string> column_aliases;
    SelectPtr select;                       // Derived
    std::vector<std::vector<ExprPtr>> rows; // Values
    ExprPtr func;                           // Function (table-valued)
    // Join
    std::string join; // "INNER", "LEFT", "RIGHT", "FULL", "CROSS"
    TableRefPtr left, right;
    ExprPtr on;
};

struct SelectItem {
    ExprPtr expr;
    std::string alias;
    std::string assign_var; // SELECT @v = expr
};

struct Cte {
    std::string name;
    std::vector<std::string> columns;
    SelectPtr select;
};

struct Select {
    std::vector<Cte> with;
    bool distinct = false;
    ExprPtr top;
    bool top_percent = false;
    std::vector<SelectItem> items;
    std::vector<TableRefPtr> from; // comma-separated
    ExprPtr where;
    std::vector<ExprPtr> group_by;
    ExprPtr having;
    std::vector<OrderItem> order_by;
    ExprPtr offset, fetch;
    // set operations chained to this one
    std::string set_op; // "UNION", "UNION ALL", "EXCEPT", "INTERSECT"
    SelectPtr next;
    bool parenthesized = false;
};

// FOREIGN KEY ... ON DELETE / ON UPDATE; the values are sys.foreign_keys'
// delete_referential_action / update_referential_action.
enum class FkAction : uint8_t { NoAction = 0, Cascade = 1, SetNull = 2, SetDefault = 3 };

struct FkActions {
    FkAction on_delete = FkAction::NoAction;
    FkAction on_update = FkAction::NoAction;
    bool not_for_replication = false;
};

enum class ModuleDefinition : uint8_t { Create, Alter, CreateOrAlter };

// WITH options and trigger clauses of a module, as sys.sql_modules / sys.views / sys.triggers
// report them.
struct ModuleOptions {
    bool encryption = false;
    bool schemabinding = false;
    bool view_metadata = false;
    bool recompile = false;
    bool null_on_null_input = false;
    // EXECUTE AS: a database principal id once created; OWNER stays kOwner; unset = CALLER.
    // As parsed: kSelf (the creator) or kUser (execute_as_user names the user).
    static constexpr int kOwner = -2, kSelf = -3, kUser = -4;
    std::optional<int> execute_as;
    std::string execute_as_user;
    bool check_option = false; // views: WITH CHECK OPTION
    bool instead_of = false;   // triggers
    bool not_for_replication = false;
    std::string events; // triggers: "INSERT,UPDATE"
};

struct ColumnDef {
    std::string name;
    SqlType type;
    bool has_type = true;
    // Declared with an alias data type: {schema or "", name}; `type` is its base type and
    // `alias_nullable` its nullability (the column's unless it says NULL / NOT NULL).
    std::vector<std::string> alias_type;
    std::optional<bool> alias_nullable;
    std::optional<bool> nullable;
    bool identity = false;
    int64_t seed = 1, increment = 1;
    ExprPtr default_value;
    std::string default_name;
    // DEFAULT ... WITH VALUES: ALTER TABLE ADD of a nullable column gives the existing rows the
    // default (without it they hold NULL; a NOT NULL column's rows get the default either way).
    bool with_values = false;
    ExprPtr computed;
    bool persisted = false;
    bool rowversion = false;
    // column-level constraints
    bool primary_key = false, unique = false;
    std::optional<bool> clustered;
    std::string constraint_name;
    std::vector<std::string> references; // table parts
    std::vector<std::string> ref_columns;
    std::string fk_name;
    FkActions fk_actions;
    std::vector<std::pair<std::string, ExprPtr>> checks; // CHECK (...): name or "", expression
};

struct Constraint {
    enum class K { PrimaryKey, Unique, ForeignKey, Check, Default };
    K k = K::PrimaryKey;
    std::string name;
    std::optional<bool> clustered;
    std::vector<OrderItem> columns; // expr = Column
    std::vector<std::string> fk_columns;
    std::vector<std::string> ref_table;
    std::vector<std::string> ref_columns;
    FkActions fk_actions;
    ExprPtr expr;           // CHECK / DEFAULT
    std::string for_column; // DEFAULT ... FOR col
};

struct Statement {
    enum class K {
        Select,
        Insert,
        Update,
        Delete,
        Truncate,
        CreateTable,
        DropTable,
        AlterTableAdd,
        AlterTableDropColumn,
        AlterTableAddConstraint,
        AlterTableDropConstraint,
        AlterColumn, // ALTER TABLE t ALTER COLUMN: `coldefs[0]` the new definition
        CreateIndex,
        DropIndex,
        CreateView,   // CREATE [OR ALTER] | ALTER VIEW
        CreateModule, // CREATE [OR ALTER] | ALTER PROCEDURE / FUNCTION / TRIGGER
        DropModule,   // DROP VIEW / PROCEDURE / FUNCTION / TRIGGER
        CreateDatabase,
        DropDatabase,
        CreateSchema,
        DropSchema,
        Use,
        Begin,
        Commit,
        Rollback,
        Save,
        Set,
        Declare,
        SetVar,
        Print,
        WaitFor,
        Exec,
        AlterDatabase,
        Backup,
        Raiserror,
        Throw,
        If,
        Block,
        Return,
        EnableTrigger, // ENABLE / DISABLE TRIGGER (name = "ENABLE" or "DISABLE")
        Checkpoint,
        Rebuild,          // ALTER TABLE t REBUILD / ALTER INDEX name|ALL ON t REBUILD
        CreateType,       // CREATE TYPE name FROM base [NULL | NOT NULL]: `table`, `coldefs[0]`
        DropType,         // DROP TYPE [IF EXISTS] name: `table`
        CheckConstraints, // ALTER TABLE t [WITH CHECK | WITH NOCHECK] {CHECK | NOCHECK}
                          // CONSTRAINT {ALL | name, ...}: `name` CHECK / NOCHECK, `option_value`
                          // CHECK / NOCHECK / "" (the WITH), `columns` the names (empty = ALL)
        InsertBulk, // INSERT BULK table (column type, ...) [WITH (...)]: rows follow (packet 7)
        BulkRows,   // internal: the rows of that bulk load, inserted as one statement
        Server,     // KILL, RECONFIGURE, CREATE/ALTER/DROP LOGIN and USER, ALTER [SERVER] ROLE
        Permission, // GRANT / DENY / REVOKE on an object (parser.cpp permission_stmt)
        Noop
    };
    K k = K::Noop;
    int line = 1;
    SelectPtr select;
    std::vector<std::string> table; // target table / object name parts
    std::string name;               // database / schema / index / variable / option name
    // INSERT
    std::vector<std::string> columns;
    std::vector<std::vector<ExprPtr>> values;
    bool default_values = false;
    // UPDATE
    std::vector<std::pair<std::string, ExprPtr>> sets; // column (or @var) = expr
    std::vector<TableRefPtr> from;
    ExprPtr where;
    ExprPtr top;
    // CREATE TABLE / ALTER TABLE ADD
    std::vector<ColumnDef> coldefs;
    std::vector<Constraint> constraints;
    std::string compression; // NONE / ROW / PAGE
    // CREATE INDEX
    bool unique = false;
    std::optional<bool> clustered;
    std::vector<OrderItem> index_columns;
    std::vector<std::string> include_columns;
    // SET / DECLARE / PRINT / WAITFOR / RAISERROR / IF
    std::string option_value;
    bool option_flag = false; // ALTER DATABASE ... WITH ROLLBACK: end the other sessions in it
    std::vector<std::pair<std::string, SqlType>> declares;
    std::vector<ExprPtr> exprs;
    std::vector<std::shared_ptr<Statement>> body, else_body;
    // EXEC
    std::vector<std::pair<std::string, ExprPtr>> exec_args;
    bool if_exists = false;
    std::string cte_text;
    // CREATE VIEW / PROCEDURE / FUNCTION / TRIGGER (the only statement of its batch). `table` is
    // the module's name, `name` its kind (VIEW, PROCEDURE, FUNCTION, TRIGGER), `option_value`
    // its sys.objects type (V, P, FN, IF, TF, TR); a view's column list is in `columns`, its
    // SELECT (or an inline function's RETURN select) in `select`, a multi-statement function's
    // result table in `coldefs`, function parameters in `declares`.
    ModuleDefinition define = ModuleDefinition::Create;
    std::string definition;          // the batch text, as sys.sql_modules shows it
    std::vector<std::string> target; // CREATE TRIGGER ... ON target
    bool on_database = false;        // CREATE / DROP / ENABLE TRIGGER ... ON DATABASE
    size_t body_offset = 0;          // triggers: where the body after AS starts in `definition`
    std::string command_text;        // DDL statements: their text (EVENTDATA's CommandText)
    ModuleOptions module;
    // DROP VIEW / PROCEDURE / FUNCTION / TRIGGER name [, name ...]
    std::vector<std::vector<std::string>> objects;
};
using StatementPtr = std::shared_ptr<Statement>;

} // namespace sim::sql
