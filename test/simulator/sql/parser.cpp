#include "parser.hpp"

#include "errors.hpp"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>
#include <strings.h>

namespace sim::sql {

namespace {

const std::set<std::string> kReserved = {
    "ADD",     "ALL",          "ALTER",      "AND",        "ANY",    "AS",        "ASC",
    "BACKUP",  "BEGIN",        "BETWEEN",    "BY",         "CASE",   "CHECK",     "CLUSTERED",
    "COLLATE", "COMMIT",       "CONSTRAINT", "CREATE",     "CROSS",  "DECLARE",   "DEFAULT",
    "DELETE",  "DESC",         "DISTINCT",   "DROP",       "ELSE",   "END",       "EXCEPT",
    "EXEC",    "EXECUTE",      "EXISTS",     "FETCH",      "FOR",    "FOREIGN",   "FROM",
    "FULL",    "GO",           "GROUP",      "HAVING",     "IF",     "IN",        "INNER",
    "INSERT",  "INTERSECT",    "INTO",       "IS",         "JOIN",   "KEY",       "LEFT",
    "LIKE",    "NONCLUSTERED", "NOT",        "NULL",       "OFFSET", "ON",        "OPTION",
    "OR",      "ORDER",        "OUTER",      "PRIMARY",    "PRINT",  "RAISERROR", "REFERENCES",
    "RETURN",  "RIGHT",        "ROLLBACK",   "SAVE",       "SELECT", "SET",       "THEN",
    "THROW",   "TOP",          "TRUNCATE",   "UNION",      "UNIQUE", "UPDATE",    "USE",
    "VALUES",  "WAITFOR",      "WHEN",       "WHERE",      "WHILE",  "WITH",      "OVER",
    "PIVOT",   "UNPIVOT",      "APPLY",      "TABLESAMPLE"};

const std::set<std::string> kStatementStart = {
    "SELECT",  "INSERT",     "UPDATE",   "DELETE",      "CREATE", "ALTER",     "DROP",
    "USE",     "BEGIN",      "COMMIT",   "ROLLBACK",    "SAVE",   "SET",       "DECLARE",
    "PRINT",   "WAITFOR",    "EXEC",     "EXECUTE",     "BACKUP", "RAISERROR", "THROW",
    "IF",      "WITH",       "TRUNCATE", "RETURN",      "WHILE",  "END",       "ENABLE",
    "DISABLE", "CHECKPOINT", "KILL",     "RECONFIGURE", "GRANT",  "DENY",      "REVOKE"};

class Parser {
public:
    explicit Parser(std::vector<Token> toks, std::string src = {})
        : t_(std::move(toks)), src_(std::move(src)) {}

    std::vector<StatementPtr> batch() {
        std::vector<StatementPtr> out;
        while (!at_end()) {
            if (accept_op(";"))
                continue;
            module_ok_ = out.empty(); // CREATE VIEW / PROCEDURE / ... must start the batch
            out.push_back(statement());
        }
        return out;
    }

    // ---- token helpers --------------------------------------------------------------------
    const Token &peek(size_t k = 0) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
    bool at_end() const { return peek().kind == Tok::End; }
    bool is_kw(const char *kw, size_t k = 0) const {
        return peek(k).kind == Tok::Ident && peek(k).upper == kw;
    }
    bool is_op(const char *op, size_t k = 0) const {
        return peek(k).kind == Tok::Op && peek(k).text == op;
    }
    bool accept_kw(const char *kw) {
        if (!is_kw(kw))
            return false;
        ++p_;
        return true;
    }
    bool accept_op(const char *op) {
        if (!is_op(op))
            return false;
        ++p_;
        return true;
    }
    [[noreturn]] void fail() {
        const Token &tk = peek();
        std::string near = tk.kind == Tok::End ? "" : tk.text;
        if (tk.kind == Tok::String || tk.kind == Tok::NString)
            near = tk.text;
        if (near.empty() && p_ > 0)
            near = t_[p_ - 1].text;
        throw syntax_error(near);
    }
    void expect_kw(const char *kw) {
        if (!accept_kw(kw))
            fail();
    }
    void expect_op(const char *op) {
        if (!accept_op(op))
            fail();
    }
    bool is_name() const {
        const Token &tk = peek();
        return tk.kind == Tok::QuotedIdent || (tk.kind == Tok::Ident && !kReserved.count(tk.upper));
    }
    bool is_name_or_kw(size_t k = 0) const {
        return peek(k).kind == Tok::QuotedIdent || peek(k).kind == Tok::Ident;
    }
    std::string name() {
        if (!is_name_or_kw())
            fail();
        return t_[p_++].text;
    }
    std::vector<std::string> multipart() {
        std::vector<std::string> parts;
        parts.push_back(name());
        while (is_op(".")) {
            ++p_;
            if (is_op(".")) { // db..table
                parts.push_back("");
                continue;
            }
            parts.push_back(name());
        }
        return parts;
    }
    void skip_parenthesized() {
        expect_op("(");
        int depth = 1;
        while (depth > 0 && !at_end()) {
            if (is_op("("))
                ++depth;
            else if (is_op(")"))
                --depth;
            ++p_;
        }
    }

    // ---- types ----------------------------------------------------------------------------
    SqlType type(bool in_cast) {
        last_alias_.reset();
        std::string n = peek().kind == Tok::QuotedIdent ? peek().text : peek().upper;
        if (!is_name_or_kw())
            fail();
        std::string schema, written = t_[p_].text;
        ++p_;
        if (is_op(".")) { // sys.int, dbo.alias_type
            ++p_;
            schema = written;
            if (!is_name_or_kw())
                fail();
            n = peek().kind == Tok::QuotedIdent ? peek().text : peek().upper;
            written = t_[p_].text;
            ++p_;
        }
        for (auto &c : n)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        SqlType t;
        std::vector<int> args;
        bool max = false;
        if (is_op("(")) {
            ++p_;
            for (;;) {
                if (accept_kw("MAX")) {
                    max = true;
                } else if (peek().kind == Tok::Integer) {
                    args.push_back(std::stoi(t_[p_++].text));
                } else {
                    fail();
                }
                if (!accept_op(","))
                    break;
            }
            expect_op(")");
        }
        auto len = [&](int def) { return max ? SqlType::kMax : args.empty() ? def : args[0]; };
        if (n == "BIT")
            t.id = TypeId::Bit;
        else if (n == "TINYINT")
            t.id = TypeId::TinyInt;
        else if (n == "SMALLINT")
            t.id = TypeId::SmallInt;
        else if (n == "INT" || n == "INTEGER")
            t.id = TypeId::Int;
        else if (n == "BIGINT")
            t.id = TypeId::BigInt;
        else if (n == "DECIMAL" || n == "DEC" || n == "NUMERIC") {
            t.id = n == "NUMERIC" ? TypeId::Numeric : TypeId::Decimal;
            t.precision = static_cast<uint8_t>(args.empty() ? 18 : args[0]);
            t.scale = static_cast<uint8_t>(args.size() > 1 ? args[1] : 0);
            if (t.precision < 1 || t.precision > 38 || t.scale > t.precision)
                throw sql_error(2750, 1, 16,
                                "Column or parameter has specified a precision or scale that is "
                                "out of range.");
        } else if (n == "MONEY")
            t.id = TypeId::Money;
        else if (n == "SMALLMONEY")
            t.id = TypeId::SmallMoney;
        else if (n == "REAL")
            t.id = TypeId::Real;
        else if (n == "FLOAT")
            t.id = (!args.empty() && args[0] <= 24) ? TypeId::Real : TypeId::Float;
        else if (n == "DATE")
            t.id = TypeId::Date;
        else if (n == "TIME" || n == "DATETIME2" || n == "DATETIMEOFFSET") {
            t.id = n == "TIME"        ? TypeId::Time
                   : n == "DATETIME2" ? TypeId::DateTime2
                                      : TypeId::DateTimeOffset;
            t.scale = static_cast<uint8_t>(args.empty() ? 7 : args[0]);
            if (t.scale > 7)
                throw sql_error(1002, 1, 15,
                                "Line 1: Specified scale " + std::to_string(t.scale) +
                                    " is invalid.");
        } else if (n == "DATETIME")
            t.id = TypeId::DateTime;
        else if (n == "SMALLDATETIME")
            t.id = TypeId::SmallDateTime;
        else if (n == "CHAR" || n == "CHARACTER")
            t.id = TypeId::Char, t.length = len(in_cast ? 30 : 1);
        else if (n == "VARCHAR")
            t.id = TypeId::VarChar, t.length = len(in_cast ? 30 : 1);
        else if (n == "NCHAR")
            t.id = TypeId::NChar, t.length = len(in_cast ? 30 : 1);
        else if (n == "NVARCHAR")
            t.id = TypeId::NVarChar, t.length = len(in_cast ? 30 : 1);
        else if (n == "SYSNAME")
            t.id = TypeId::NVarChar, t.length = 128;
        else if (n == "TEXT")
            t.id = TypeId::Text;
        else if (n == "NTEXT")
            t.id = TypeId::NText;
        else if (n == "BINARY")
            t.id = TypeId::Binary, t.length = len(in_cast ? 30 : 1);
        else if (n == "VARBINARY")
            t.id = TypeId::VarBinary, t.length = len(in_cast ? 30 : 1);
        else if (n == "IMAGE")
            t.id = TypeId::Image;
        else if (n == "UNIQUEIDENTIFIER")
            t.id = TypeId::UniqueIdentifier;
        else if (n == "XML")
            t.id = TypeId::Xml;
        else if (n == "TIMESTAMP" || n == "ROWVERSION")
            t.id = TypeId::Timestamp, t.length = 8;
        else if (n == "HIERARCHYID")
            t.id = TypeId::HierarchyId;
        else if (n == "SQL_VARIANT")
            t.id = TypeId::SqlVariant;
        else if (n == "GEOMETRY")
            t.id = TypeId::Geometry;
        else if (n == "GEOGRAPHY")
            t.id = TypeId::Geography;
        else if (auto a = alias_type(schema, written)) {
            if (!args.empty() || max)
                fail();
            last_alias_ = std::vector<std::string>{schema, written};
            last_alias_nullable_ = a->nullable;
            return a->base;
        } else
            throw sql_error(2715, 6, 16,
                            "Column, parameter, or variable #1: Cannot find data type " + written +
                                ".");
        if ((t.id == TypeId::Char || t.id == TypeId::Binary || t.id == TypeId::NChar) && max)
            fail();
        return t;
    }

    // An alias type created earlier in this batch, else one the catalog knows.
    std::optional<AliasType> alias_type(const std::string &schema, const std::string &name) const {
        if (schema.empty() || strcasecmp(schema.c_str(), "sys") != 0) {
            auto it = created_types_.find(upper_of(name));
            if (it != created_types_.end())
                return it->second;
        }
        if (aliases_)
            return aliases_(schema, name);
        return std::nullopt;
    }

    // NULL | NOT NULL | NONULL as sp_addtype's @nulltype and CREATE TYPE's clause spell it.
    static bool nullability_text(const std::string &v) {
        std::string u = upper_of(v);
        return !(u == "NOT NULL" || u == "NONULL");
    }

    // ---- expressions ----------------------------------------------------------------------
    ExprPtr mk(Expr::K k, std::string text = {}) {
        auto e = std::make_shared<Expr>();
        e->k = k;
        e->text = std::move(text);
        return e;
    }
    ExprPtr bin(std::string op, ExprPtr l, ExprPtr r) {
        auto e = mk(Expr::K::Binary, std::move(op));
        e->args = {std::move(l), std::move(r)};
        return e;
    }

    ExprPtr expr() { return or_expr(); }
    ExprPtr or_expr() {
        auto l = and_expr();
        while (accept_kw("OR"))
            l = bin("OR", l, and_expr());
        return l;
    }
    ExprPtr and_expr() {
        auto l = not_expr();
        while (accept_kw("AND"))
            l = bin("AND", l, not_expr());
        return l;
    }
    ExprPtr not_expr() {
        if (accept_kw("NOT")) {
            auto e = mk(Expr::K::Unary, "NOT");
            e->args = {not_expr()};
            return e;
        }
        return predicate();
    }
    ExprPtr predicate() {
        if (is_kw("EXISTS")) {
            ++p_;
            expect_op("(");
            auto e = mk(Expr::K::Exists);
            e->select = select_stmt();
            expect_op(")");
            return e;
        }
        auto l = additive();
        for (;;) {
            static const char *cmp[] = {"=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>"};
            bool matched = false;
            for (const char *op : cmp) {
                if (is_op(op)) {
                    ++p_;
                    std::string o = op;
                    if (o == "!=")
                        o = "<>";
                    if (o == "!<")
                        o = ">=";
                    if (o == "!>")
                        o = "<=";
                    l = bin(o, l, additive());
                    matched = true;
                    break;
                }
            }
            if (matched)
                continue;
            bool neg = false;
            size_t save = p_;
            if (accept_kw("NOT"))
                neg = true;
            if (accept_kw("IN")) {
                expect_op("(");
                if (is_kw("SELECT") || is_kw("WITH")) {
                    auto e = mk(Expr::K::InSelect);
                    e->args = {l};
                    e->select = select_stmt();
                    e->negated = neg;
                    expect_op(")");
                    l = e;
                } else {
                    auto e = mk(Expr::K::InList);
                    e->args = {l};
                    do
                        e->args.push_back(expr());
                    while (accept_op(","));
                    expect_op(")");
                    e->negated = neg;
                    l = e;
                }
                continue;
            }
            if (accept_kw("BETWEEN")) {
                auto e = mk(Expr::K::Between);
                auto lo = additive();
                expect_kw("AND");
                auto hi = additive();
                e->args = {l, lo, hi};
                e->negated = neg;
                l = e;
                continue;
            }
            if (accept_kw("LIKE")) {
                auto e = mk(Expr::K::Like);
                e->args = {l, additive()};
                if (accept_kw("ESCAPE"))
                    e->args.push_back(additive());
                e->negated = neg;
                l = e;
                continue;
            }
            if (neg) {
                p_ = save;
                break;
            }
            if (accept_kw("IS")) {
                auto e = mk(Expr::K::IsNull);
                e->negated = accept_kw("NOT");
                expect_kw("NULL");
                e->args = {l};
                l = e;
                continue;
            }
            break;
        }
        return l;
    }
    ExprPtr additive() {
        auto l = multiplicative();
        for (;;) {
            if (is_op("+") || is_op("-") || is_op("&") || is_op("|") || is_op("^")) {
                std::string op = t_[p_++].text;
                l = bin(op, l, multiplicative());
            } else {
                return l;
            }
        }
    }
    ExprPtr multiplicative() {
        auto l = unary();
        while (is_op("*") || is_op("/") || is_op("%")) {
            std::string op = t_[p_++].text;
            l = bin(op, l, unary());
        }
        return l;
    }
    ExprPtr unary() {
        if (is_op("-") || is_op("+") || is_op("~")) {
            std::string op = t_[p_++].text;
            auto inner = unary();
            if (op == "+")
                return inner;
            if (op == "-" &&
                (inner->k == Expr::K::Int || inner->k == Expr::K::Num ||
                 inner->k == Expr::K::Float) &&
                inner->text[0] != '-') {
                inner->text = "-" + inner->text;
                return inner;
            }
            auto e = mk(Expr::K::Unary, op);
            e->args = {inner};
            return e;
        }
        return primary();
    }
    std::vector<OrderItem> order_list() {
        std::vector<OrderItem> out;
        do {
            OrderItem o;
            o.expr = expr();
            if (accept_kw("DESC"))
                o.desc = true;
            else
                accept_kw("ASC");
            out.push_back(o);
        } while (accept_op(","));
        return out;
    }
    // expr.value('path', 'type'): the xml value() method, as CONVERT(type, sim_xml_value(...)).
    ExprPtr xml_value(ExprPtr target, const std::vector<ExprPtr> &args) {
        if (args.size() != 2 || (args[1]->k != Expr::K::Str && args[1]->k != Expr::K::NStr))
            throw sql_error(174, 1, 15, "The value function requires 2 argument(s).");
        auto inner = mk(Expr::K::Func, "SIM$XML_VALUE");
        inner->args = {std::move(target), args[0]};
        auto e = mk(Expr::K::Cast, "CONVERT");
        e->type = parse_type_name(args[1]->text);
        e->has_type = true;
        e->args = {inner};
        return e;
    }
    ExprPtr primary() {
        ExprPtr e = primary_base();
        while ((e->k == Expr::K::Var || e->k == Expr::K::Func) && is_op(".") &&
               peek(1).kind == Tok::Ident && peek(1).upper == "VALUE" && is_op("(", 2)) {
            p_ += 3;
            std::vector<ExprPtr> args;
            if (!is_op(")")) {
                do
                    args.push_back(expr());
                while (accept_op(","));
            }
            expect_op(")");
            e = xml_value(e, args);
        }
        return e;
    }
    ExprPtr primary_base() {
        const Token &tk = peek();
        switch (tk.kind) {
        case Tok::Integer: {
            ++p_;
            // Beyond bigint a literal is numeric, as in SQL Server.
            errno = 0;
            std::strtoll(tk.text.c_str(), nullptr, 10);
            return mk(errno == ERANGE ? Expr::K::Num : Expr::K::Int, tk.text);
        }
        case Tok::Decimal:
            ++p_;
            return mk(Expr::K::Num, tk.text);
        case Tok::Float:
            ++p_;
            return mk(Expr::K::Float, tk.text);
        case Tok::String:
            ++p_;
            return mk(Expr::K::Str, tk.text);
        case Tok::NString:
            ++p_;
            return mk(Expr::K::NStr, tk.text);
        case Tok::Binary:
            ++p_;
            return mk(Expr::K::Bin, tk.text);
        case Tok::Variable:
            ++p_;
            return mk(Expr::K::Var, tk.upper);
        case Tok::Global:
            ++p_;
            return mk(Expr::K::Global, tk.upper);
        case Tok::Op:
            if (tk.text == "(") {
                ++p_;
                if (is_kw("SELECT") || is_kw("WITH")) {
                    auto e = mk(Expr::K::Subquery);
                    e->select = select_stmt();
                    expect_op(")");
                    return e;
                }
                auto e = expr();
                expect_op(")");
                return e;
            }
            if (tk.text == "*") {
                ++p_;
                return mk(Expr::K::Star);
            }
            fail();
        case Tok::End:
            fail();
        default:
            break;
        }
        if (tk.kind == Tok::Ident) {
            const std::string &u = tk.upper;
            if (u == "NULL") {
                ++p_;
                return mk(Expr::K::Null);
            }
            if (u == "DEFAULT") {
                ++p_;
                return mk(Expr::K::Default);
            }
            if (u == "CASE")
                return case_expr();
            if ((u == "CAST" || u == "TRY_CAST") && is_op("(", 1)) {
                p_ += 2;
                auto e = mk(Expr::K::Cast, u);
                e->args = {expr()};
                expect_kw("AS");
                e->type = type(true);
                e->has_type = true;
                expect_op(")");
                return e;
            }
            if ((u == "CONVERT" || u == "TRY_CONVERT") && is_op("(", 1)) {
                p_ += 2;
                auto e = mk(Expr::K::Cast, u);
                e->type = type(true);
                e->has_type = true;
                expect_op(",");
                e->args = {expr()};
                if (accept_op(","))
                    e->style = std::stoi(t_[p_++].text);
                expect_op(")");
                return e;
            }
            if (kReserved.count(u) && !(is_op("(", 1) && (u == "LEFT" || u == "RIGHT")))
                fail();
        }
        // name, dotted name, or function call
        std::vector<std::string> parts;
        parts.push_back(name());
        while (is_op(".")) {
            ++p_;
            if (is_op("*")) {
                ++p_;
                auto e = mk(Expr::K::Star);
                e->parts = parts;
                return e;
            }
            parts.push_back(name());
        }
        if (is_op("(")) {
            ++p_;
            std::string fname;
            for (size_t i = 0; i < parts.size(); ++i)
                fname += (i ? "." : "") + parts[i];
            for (auto &c : fname)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            auto e = mk(Expr::K::Func, fname);
            e->parts = parts; // as written: names a user function in messages
            if (!is_op(")")) {
                if (accept_kw("DISTINCT"))
                    e->distinct = true;
                else
                    accept_kw("ALL");
                do {
                    if (is_op("*") && (is_op(")", 1))) {
                        ++p_;
                        e->args.push_back(mk(Expr::K::Star));
                    } else if (fname == "DATEADD" || fname == "DATEDIFF" || fname == "DATEPART" ||
                               fname == "DATENAME" || fname == "DATEDIFF_BIG") {
                        if (e->args.empty()) {
                            e->args.push_back(mk(Expr::K::Str, name()));
                        } else {
                            e->args.push_back(expr());
                        }
                    } else {
                        e->args.push_back(expr());
                    }
                } while (accept_op(","));
            }
            expect_op(")");
            if (accept_kw("OVER")) {
                e->over = true;
                expect_op("(");
                if (accept_kw("PARTITION")) {
                    expect_kw("BY");
                    do
                        e->partition.push_back(expr());
                    while (accept_op(","));
                }
                if (accept_kw("ORDER")) {
                    expect_kw("BY");
                    e->over_order = order_list();
                }
                expect_op(")");
            }
            if (parts.size() >= 2 && upper_of(parts.back()) == "VALUE" && !e->over) {
                // column.value('path', 'type')
                auto col = mk(Expr::K::Column);
                col->parts.assign(parts.begin(), parts.end() - 1);
                return xml_value(col, e->args);
            }
            return e;
        }
        // CURRENT_TIMESTAMP is written without parentheses (ANSI); it is GETDATE().
        if (parts.size() == 1 && upper_of(parts[0]) == "CURRENT_TIMESTAMP")
            return mk(Expr::K::Func, "CURRENT_TIMESTAMP");
        auto e = mk(Expr::K::Column);
        e->parts = parts;
        return e;
    }
    ExprPtr case_expr() {
        expect_kw("CASE");
        auto e = mk(Expr::K::Case);
        if (!is_kw("WHEN")) {
            e->case_has_operand = true;
            e->args.push_back(expr());
        }
        while (accept_kw("WHEN")) {
            e->args.push_back(expr());
            expect_kw("THEN");
            e->args.push_back(expr());
        }
        if (accept_kw("ELSE")) {
            e->has_else = true;
            e->args.push_back(expr());
        }
        expect_kw("END");
        return e;
    }

    // ---- SELECT ---------------------------------------------------------------------------
    std::vector<Cte> with_clause() {
        std::vector<Cte> ctes;
        expect_kw("WITH");
        do {
            Cte c;
            c.name = name();
            if (accept_op("(")) {
                do
                    c.columns.push_back(name());
                while (accept_op(","));
                expect_op(")");
            }
            expect_kw("AS");
            expect_op("(");
            c.select = select_stmt();
            expect_op(")");
            ctes.push_back(std::move(c));
        } while (accept_op(","));
        return ctes;
    }

    SelectPtr select_stmt() {
        std::vector<Cte> ctes;
        if (is_kw("WITH"))
            ctes = with_clause();
        SelectPtr first = select_core();
        first->with = std::move(ctes);
        SelectPtr cur = first;
        for (;;) {
            std::string op;
            if (accept_kw("UNION"))
                op = accept_kw("ALL") ? "UNION ALL" : "UNION";
            else if (accept_kw("EXCEPT"))
                op = "EXCEPT";
            else if (accept_kw("INTERSECT"))
                op = "INTERSECT";
            else
                break;
            cur->set_op = op;
            cur->next = select_core();
            cur = cur->next;
        }
        // ORDER BY / OFFSET apply to the whole set operation; kept on the first select.
        if (accept_kw("ORDER")) {
            expect_kw("BY");
            first->order_by = order_list();
            if (accept_kw("OFFSET")) {
                first->offset = expr();
                if (!accept_kw("ROWS"))
                    expect_kw("ROW");
                if (accept_kw("FETCH")) {
                    if (!accept_kw("NEXT"))
                        expect_kw("FIRST");
                    first->fetch = expr();
                    if (!accept_kw("ROWS"))
                        expect_kw("ROW");
                    expect_kw("ONLY");
                }
            }
        }
        if (is_kw("FOR") && is_kw("XML", 1))
            fail();
        return first;
    }

    SelectPtr select_core() {
        if (is_op("(")) {
            ++p_;
            auto s = select_stmt();
            expect_op(")");
            s->parenthesized = true;
            return s;
        }
        expect_kw("SELECT");
        auto s = std::make_shared<Select>();
        if (accept_kw("DISTINCT"))
            s->distinct = true;
        else
            accept_kw("ALL");
        if (accept_kw("TOP")) {
            if (accept_op("(")) {
                s->top = expr();
                expect_op(")");
            } else {
                s->top = primary();
            }
            if (accept_kw("PERCENT"))
                s->top_percent = true;
            if (accept_kw("WITH"))
                expect_kw("TIES");
        }
        do
            s->items.push_back(select_item());
        while (accept_op(","));
        if (accept_kw("INTO"))
            fail(); // SELECT ... INTO is outside the subset
        if (accept_kw("FROM")) {
            do
                s->from.push_back(table_ref());
            while (accept_op(","));
        }
        if (accept_kw("WHERE"))
            s->where = expr();
        if (accept_kw("GROUP")) {
            expect_kw("BY");
            do
                s->group_by.push_back(expr());
            while (accept_op(","));
        }
        if (accept_kw("HAVING"))
            s->having = expr();
        return s;
    }

    SelectItem select_item() {
        SelectItem it;
        if (peek().kind == Tok::Variable && is_op("=", 1)) {
            it.assign_var = peek().upper;
            p_ += 2;
            it.expr = expr();
            return it;
        }
        // alias = expr
        if (is_name_or_kw() && is_op("=", 1) && peek().kind != Tok::Variable &&
            !(peek().kind == Tok::Ident && kReserved.count(peek().upper))) {
            it.alias = name();
            ++p_;
            it.expr = expr();
            return it;
        }
        it.expr = expr();
        if (accept_kw("AS")) {
            it.alias = (peek().kind == Tok::String || peek().kind == Tok::NString) ? t_[p_++].text
                                                                                   : name();
        } else if (is_name() || peek().kind == Tok::String) {
            it.alias = t_[p_++].text;
        }
        return it;
    }

    void table_hints() {
        if (is_kw("WITH") && is_op("(", 1)) {
            ++p_;
            skip_parenthesized();
        }
    }

    TableRefPtr table_primary() {
        auto r = std::make_shared<TableRef>();
        if (is_op("(")) {
            ++p_;
            if (is_kw("SELECT") || is_kw("WITH")) {
                r->k = TableRef::K::Derived;
                r->select = select_stmt();
                expect_op(")");
            } else if (accept_kw("VALUES")) {
                r->k = TableRef::K::Values;
                do {
                    expect_op("(");
                    std::vector<ExprPtr> row;
                    do
                        row.push_back(expr());
                    while (accept_op(","));
                    expect_op(")");
                    r->rows.push_back(std::move(row));
                } while (accept_op(","));
                expect_op(")");
            } else {
                auto inner = table_ref();
                expect_op(")");
                return inner;
            }
        } else {
            if (is_op(":") && is_op(":", 1))
                p_ += 2; // ::fn_dblog, the old spelling of system table functions
            size_t start = p_;
            r->name = multipart();
            if (is_op("(")) { // table-valued function
                p_ = start;
                r->k = TableRef::K::Function;
                r->func = primary();
                r->name.clear();
            }
        }
        if (accept_kw("AS")) {
            r->alias = name();
        } else if (is_name()) {
            r->alias = name();
        }
        if (!r->alias.empty() && is_op("(") &&
            (r->k == TableRef::K::Derived || r->k == TableRef::K::Values)) {
            ++p_;
            do
                r->column_aliases.push_back(name());
            while (accept_op(","));
            expect_op(")");
        }
        table_hints();
        return r;
    }

    TableRefPtr table_ref() {
        auto left = table_primary();
        for (;;) {
            std::string jt;
            if (accept_kw("CROSS")) {
                if (accept_kw("APPLY"))
                    fail();
                expect_kw("JOIN");
                jt = "CROSS";
            } else if (accept_kw("INNER")) {
                expect_kw("JOIN");
                jt = "INNER";
            } else if (is_kw("LEFT") || is_kw("RIGHT") || is_kw("FULL")) {
                jt = t_[p_++].upper;
                accept_kw("OUTER");
                expect_kw("JOIN");
            } else if (accept_kw("JOIN")) {
                jt = "INNER";
            } else {
                return left;
            }
            auto j = std::make_shared<TableRef>();
            j->k = TableRef::K::Join;
            j->join = jt;
            j->left = left;
            j->right = table_primary();
            if (jt != "CROSS") {
                expect_kw("ON");
                j->on = expr();
            }
            left = j;
        }
    }

    void option_clause() {
        if (is_kw("OPTION") && is_op("(", 1)) {
            ++p_;
            skip_parenthesized();
        }
    }

    // ---- statements -----------------------------------------------------------------------
    StatementPtr st(Statement::K k) {
        auto s = std::make_shared<Statement>();
        s->k = k;
        s->line = peek().line;
        return s;
    }

    StatementPtr statement() {
        int line = peek().line;
        size_t begin = peek().offset;
        StatementPtr s = statement_inner();
        s->line = line;
        using K = Statement::K;
        if (!src_.empty() && begin < src_.size() &&
            (s->k == K::CreateTable || s->k == K::DropTable || s->k == K::AlterTableAdd ||
             s->k == K::AlterTableDropColumn || s->k == K::AlterTableAddConstraint ||
             s->k == K::AlterTableDropConstraint || s->k == K::CreateIndex ||
             s->k == K::DropIndex || s->k == K::DropModule)) {
            size_t end = at_end() ? src_.size() : std::min(peek().offset, src_.size());
            std::string text = src_.substr(begin, end - begin);
            while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
                text.pop_back();
            s->command_text = text;
        }
        accept_op(";");
        return s;
    }

    StatementPtr statement_inner() {
        const bool first = module_ok_;
        module_ok_ = false;
        if (is_kw("SELECT") || (is_op("(") && (is_kw("SELECT", 1) || is_op("(", 1)))) {
            auto s = st(Statement::K::Select);
            s->select = select_stmt();
            option_clause();
            return s;
        }
        if (is_kw("WITH")) {
            size_t save = p_;
            auto ctes = with_clause();
            if (is_kw("SELECT")) {
                p_ = save;
                auto s = st(Statement::K::Select);
                s->select = select_stmt();
                option_clause();
                return s;
            }
            auto s = statement_inner();
            if (s->k == Statement::K::Insert && s->select)
                s->select->with.insert(s->select->with.begin(), ctes.begin(), ctes.end());
            else if (s->k == Statement::K::Update || s->k == Statement::K::Delete ||
                     s->k == Statement::K::Insert) {
                // keep CTEs for UPDATE/DELETE through a derived select of the WHERE clause
                auto holder = std::make_shared<Select>();
                holder->with = ctes;
                s->select = s->select ? s->select : holder;
                if (s->select != holder)
                    s->select->with.insert(s->select->with.begin(), ctes.begin(), ctes.end());
            } else {
                fail();
            }
            return s;
        }
        if (accept_kw("INSERT"))
            return insert_stmt();
        if (accept_kw("UPDATE"))
            return update_stmt();
        if (accept_kw("DELETE"))
            return delete_stmt();
        if ((is_kw("ENABLE") || is_kw("DISABLE")) && is_kw("TRIGGER", 1))
            return enable_trigger_stmt();
        if (accept_kw("TRUNCATE")) {
            expect_kw("TABLE");
            auto s = st(Statement::K::Truncate);
            s->table = multipart();
            return s;
        }
        if (accept_kw("CREATE"))
            return create_stmt(first);
        if (accept_kw("KILL")) {
            auto s = st(Statement::K::Server);
            s->name = "KILL";
            s->exprs.push_back(expr());
            if (accept_kw("WITH"))
                name(); // STATUSONLY
            return s;
        }
        if (is_kw("GRANT") || is_kw("DENY") || is_kw("REVOKE"))
            return permission_stmt(t_[p_++].upper);
        if (accept_kw("RECONFIGURE")) {
            auto s = st(Statement::K::Server);
            s->name = "RECONFIGURE";
            if (accept_kw("WITH"))
                name(); // OVERRIDE
            return s;
        }
        if (accept_kw("CHECKPOINT")) {
            auto s = st(Statement::K::Checkpoint);
            if (peek().kind == Tok::Integer)
                ++p_;
            return s;
        }
        if (accept_kw("ALTER"))
            return alter_stmt(first);
        if (accept_kw("DROP"))
            return drop_stmt();
        if (accept_kw("USE")) {
            auto s = st(Statement::K::Use);
            s->name = name();
            return s;
        }
        if (accept_kw("BEGIN")) {
            if (accept_kw("TRAN") || accept_kw("TRANSACTION")) {
                auto s = st(Statement::K::Begin);
                if (is_name())
                    s->name = name();
                return s;
            }
            if (accept_kw("DISTRIBUTED")) {
                if (!accept_kw("TRAN"))
                    expect_kw("TRANSACTION");
                return st(Statement::K::Begin);
            }
            if (is_kw("TRY"))
                fail();
            auto s = st(Statement::K::Block);
            while (!is_kw("END")) {
                if (at_end())
                    fail();
                if (accept_op(";"))
                    continue;
                s->body.push_back(statement());
            }
            expect_kw("END");
            return s;
        }
        if (accept_kw("COMMIT")) {
            if (!accept_kw("TRAN") && !accept_kw("TRANSACTION"))
                accept_kw("WORK");
            if (is_name() && !kStatementStart.count(peek().upper))
                name();
            return st(Statement::K::Commit);
        }
        if (accept_kw("ROLLBACK")) {
            auto s = st(Statement::K::Rollback);
            if (!accept_kw("TRAN") && !accept_kw("TRANSACTION"))
                accept_kw("WORK");
            if (is_name() && !kStatementStart.count(peek().upper))
                s->name = name();
            return s;
        }
        if (accept_kw("SAVE")) {
            if (!accept_kw("TRAN"))
                expect_kw("TRANSACTION");
            auto s = st(Statement::K::Save);
            s->name = name();
            return s;
        }
        if (accept_kw("SET"))
            return set_stmt();
        if (accept_kw("DECLARE")) {
            auto s = st(Statement::K::Declare);
            do {
                if (peek().kind != Tok::Variable)
                    fail();
                std::string v = t_[p_++].upper;
                accept_kw("AS");
                SqlType t = type(false);
                s->declares.emplace_back(v, t);
                s->exprs.push_back(accept_op("=") ? expr() : nullptr);
            } while (accept_op(","));
            return s;
        }
        if (accept_kw("PRINT")) {
            auto s = st(Statement::K::Print);
            s->exprs.push_back(expr());
            return s;
        }
        if (accept_kw("WAITFOR")) {
            auto s = st(Statement::K::WaitFor);
            if (accept_kw("DELAY"))
                s->name = "DELAY";
            else {
                expect_kw("TIME");
                s->name = "TIME";
            }
            s->exprs.push_back(expr());
            return s;
        }
        if (accept_kw("EXEC") || accept_kw("EXECUTE"))
            return exec_stmt();
        if (accept_kw("BACKUP")) {
            auto s = st(Statement::K::Backup);
            if (accept_kw("LOG"))
                s->option_value = "L";
            else {
                expect_kw("DATABASE");
                s->option_value = "D";
            }
            s->name = name();
            expect_kw("TO");
            if (!accept_kw("DISK"))
                expect_kw("URL");
            expect_op("=");
            s->exprs.push_back(expr());
            if (accept_kw("WITH"))
                while (!at_end() && !is_op(";") &&
                       !(peek().kind == Tok::Ident && kStatementStart.count(peek().upper)))
                    ++p_;
            return s;
        }
        if (accept_kw("RAISERROR")) {
            auto s = st(Statement::K::Raiserror);
            expect_op("(");
            do
                s->exprs.push_back(expr());
            while (accept_op(","));
            expect_op(")");
            if (accept_kw("WITH"))
                name();
            return s;
        }
        if (accept_kw("THROW")) {
            auto s = st(Statement::K::Throw);
            if (!at_end() && !is_op(";")) {
                s->exprs.push_back(expr());
                expect_op(",");
                s->exprs.push_back(expr());
                expect_op(",");
                s->exprs.push_back(expr());
            }
            return s;
        }
        if (accept_kw("IF")) {
            auto s = st(Statement::K::If);
            s->exprs.push_back(expr());
            s->body.push_back(statement());
            if (accept_kw("ELSE"))
                s->else_body.push_back(statement());
            return s;
        }
        if (accept_kw("RETURN"))
            return st(Statement::K::Return);
        fail();
    }

    // INSERT BULK table (column type [COLLATE c] [NULL | NOT NULL], ...) [WITH (option, ...)]:
    // what bulk-copy clients send before the rows (packet type 7). `columns` are the names,
    // `option_value` the options (comma-separated, upper case, without values).
    StatementPtr insert_bulk_stmt() {
        auto s = st(Statement::K::InsertBulk);
        s->table = multipart();
        expect_op("(");
        do {
            ColumnDef c = column_def();
            s->columns.push_back(c.name);
            s->coldefs.push_back(std::move(c));
        } while (accept_op(","));
        expect_op(")");
        if (accept_kw("WITH")) {
            expect_op("(");
            do {
                std::string opt = upper_of(name());
                if (accept_op("=")) {
                    auto v = unary();
                    if (opt == "BATCHSIZE" && v && v->k == Expr::K::Int)
                        s->top = v; // rows per transaction
                } else if (is_op("(")) {
                    skip_parenthesized(); // ORDER (col ASC, ...)
                }
                s->option_value += (s->option_value.empty() ? "" : ",") + opt;
            } while (accept_op(","));
            expect_op(")");
        }
        return s;
    }

    StatementPtr insert_stmt() {
        if (is_kw("BULK") && is_name_or_kw(1) && !is_kw("VALUES", 1) && !is_kw("SELECT", 1) &&
            !is_kw("DEFAULT", 1) && !is_kw("WITH", 1)) {
            ++p_;
            return insert_bulk_stmt();
        }
        auto s = st(Statement::K::Insert);
        accept_kw("INTO");
        s->table = multipart();
        table_hints();
        if (is_op("(") && !is_kw("SELECT", 1) && !is_kw("WITH", 1)) {
            ++p_;
            do
                s->columns.push_back(name());
            while (accept_op(","));
            expect_op(")");
        }
        if (accept_kw("VALUES")) {
            do {
                expect_op("(");
                std::vector<ExprPtr> row;
                do
                    row.push_back(expr());
                while (accept_op(","));
                expect_op(")");
                s->values.push_back(std::move(row));
            } while (accept_op(","));
        } else if (accept_kw("DEFAULT")) {
            expect_kw("VALUES");
            s->default_values = true;
        } else if (is_kw("SELECT") || is_kw("WITH") || is_op("(")) {
            s->select = select_stmt();
        } else {
            fail();
        }
        option_clause();
        return s;
    }

    StatementPtr update_stmt() {
        auto s = st(Statement::K::Update);
        if (accept_kw("TOP")) {
            expect_op("(");
            s->top = expr();
            expect_op(")");
        }
        s->table = multipart();
        table_hints();
        expect_kw("SET");
        do {
            std::string col;
            if (peek().kind == Tok::Variable)
                col = t_[p_++].upper;
            else {
                auto parts = multipart();
                col = parts.back();
            }
            if (is_op("+=") || is_op("-=") || is_op("*=") || is_op("/=")) {
                std::string op(1, t_[p_++].text[0]);
                auto c = mk(Expr::K::Column);
                c->parts = {col};
                s->sets.emplace_back(col, bin(op, c, expr()));
                continue;
            }
            expect_op("=");
            s->sets.emplace_back(col, expr());
        } while (accept_op(","));
        if (accept_kw("FROM")) {
            do
                s->from.push_back(table_ref());
            while (accept_op(","));
        }
        if (accept_kw("WHERE"))
            s->where = expr();
        option_clause();
        return s;
    }

    StatementPtr delete_stmt() {
        auto s = st(Statement::K::Delete);
        if (accept_kw("TOP")) {
            expect_op("(");
            s->top = expr();
            expect_op(")");
        }
        accept_kw("FROM");
        s->table = multipart();
        table_hints();
        if (accept_kw("FROM")) {
            do
                s->from.push_back(table_ref());
            while (accept_op(","));
        }
        if (accept_kw("WHERE"))
            s->where = expr();
        option_clause();
        return s;
    }

    std::optional<bool> clustered_opt() {
        if (accept_kw("CLUSTERED"))
            return true;
        if (accept_kw("NONCLUSTERED"))
            return false;
        return std::nullopt;
    }

    std::vector<OrderItem> column_list() {
        std::vector<OrderItem> out;
        expect_op("(");
        do {
            OrderItem o;
            o.expr = mk(Expr::K::Column);
            o.expr->parts = {name()};
            if (accept_kw("DESC"))
                o.desc = true;
            else
                accept_kw("ASC");
            out.push_back(o);
        } while (accept_op(","));
        expect_op(")");
        return out;
    }

    void index_options() {
        while (accept_kw("WITH") || accept_kw("ON")) {
            if (is_op("("))
                skip_parenthesized();
            else
                name();
        }
    }

    bool table_constraint_start() const {
        return is_kw("CONSTRAINT") || is_kw("PRIMARY") || is_kw("UNIQUE") || is_kw("FOREIGN") ||
               is_kw("CHECK") || is_kw("DEFAULT");
    }

    Constraint table_constraint() {
        Constraint c;
        if (accept_kw("CONSTRAINT"))
            c.name = name();
        if (accept_kw("PRIMARY")) {
            expect_kw("KEY");
            c.k = Constraint::K::PrimaryKey;
            c.clustered = clustered_opt();
            c.columns = column_list();
            index_options();
        } else if (accept_kw("UNIQUE")) {
            c.k = Constraint::K::Unique;
            c.clustered = clustered_opt();
            c.columns = column_list();
            index_options();
        } else if (accept_kw("FOREIGN")) {
            expect_kw("KEY");
            c.k = Constraint::K::ForeignKey;
            for (auto &o : column_list())
                c.fk_columns.push_back(o.expr->parts[0]);
            expect_kw("REFERENCES");
            c.ref_table = multipart();
            if (is_op("("))
                for (auto &o : column_list())
                    c.ref_columns.push_back(o.expr->parts[0]);
            c.fk_actions = fk_actions();
        } else if (accept_kw("CHECK")) {
            c.k = Constraint::K::Check;
            if (accept_kw("NOT")) {
                expect_kw("FOR");
                expect_kw("REPLICATION");
            }
            expect_op("(");
            c.expr = expr();
            expect_op(")");
        } else if (accept_kw("DEFAULT")) {
            c.k = Constraint::K::Default;
            c.expr = default_expr();
            expect_kw("FOR");
            c.for_column = name();
        } else {
            fail();
        }
        return c;
    }

    // [ON DELETE action] [ON UPDATE action] (either order, each at most once)
    // [NOT FOR REPLICATION]
    FkActions fk_actions() {
        FkActions a;
        bool seen_delete = false, seen_update = false;
        while (is_kw("ON") && (is_kw("DELETE", 1) || is_kw("UPDATE", 1))) {
            bool del = is_kw("DELETE", 1);
            if (del ? seen_delete : seen_update)
                fail();
            (del ? seen_delete : seen_update) = true;
            p_ += 2;
            FkAction act;
            if (accept_kw("NO")) {
                expect_kw("ACTION");
                act = FkAction::NoAction;
            } else if (accept_kw("SET")) {
                if (accept_kw("NULL")) {
                    act = FkAction::SetNull;
                } else {
                    expect_kw("DEFAULT");
                    act = FkAction::SetDefault;
                }
            } else {
                expect_kw("CASCADE");
                act = FkAction::Cascade;
            }
            (del ? a.on_delete : a.on_update) = act;
        }
        if (is_kw("NOT") && is_kw("FOR", 1)) {
            p_ += 2;
            expect_kw("REPLICATION");
            a.not_for_replication = true;
        }
        return a;
    }

    ExprPtr default_expr() {
        if (is_op("(")) {
            ++p_;
            auto e = expr();
            expect_op(")");
            return e;
        }
        return unary();
    }

    // PRIMARY KEY / UNIQUE with a column list, or FOREIGN KEY: table-level constraint syntax.
    bool table_level_after_column() const {
        size_t k = 0;
        if (is_kw("PRIMARY") && is_kw("KEY", 1))
            k = 2;
        else if (is_kw("UNIQUE"))
            k = 1;
        else
            return is_kw("FOREIGN") && is_kw("KEY", 1) && is_op("(", 2);
        if (is_kw("CLUSTERED", k) || is_kw("NONCLUSTERED", k))
            ++k;
        return is_op("(", k);
    }

    ColumnDef column_def() {
        ColumnDef c;
        c.name = name();
        if (accept_kw("AS")) {
            c.has_type = false;
            expect_op("(");
            c.computed = expr();
            expect_op(")");
            if (accept_kw("PERSISTED"))
                c.persisted = true;
        } else {
            c.type = type(false);
            if (last_alias_) {
                c.alias_type = *last_alias_;
                c.alias_nullable = last_alias_nullable_;
            } else if (c.type.id == TypeId::Timestamp) {
                c.rowversion = true;
            }
        }
        size_t constraint_at = 0; // where a CONSTRAINT name clause began
        for (;;) {
            if (table_level_after_column()) {
                // A table constraint after a column definition without a comma (SQL Server
                // accepts it): the caller parses it, with the CONSTRAINT name if it had one.
                if (constraint_at && !c.constraint_name.empty()) {
                    p_ = constraint_at;
                    c.constraint_name.clear();
                }
                break;
            }
            if (is_kw("CONSTRAINT"))
                constraint_at = p_;
            if (accept_kw("COLLATE")) {
                name();
            } else if (accept_kw("IDENTITY")) {
                c.identity = true;
                if (accept_op("(")) {
                    c.seed = std::stoll(unary()->text);
                    expect_op(",");
                    c.increment = std::stoll(unary()->text);
                    expect_op(")");
                }
            } else if (accept_kw("NOT")) {
                if (accept_kw("FOR")) {
                    expect_kw("REPLICATION");
                    continue;
                }
                expect_kw("NULL");
                c.nullable = false;
            } else if (accept_kw("NULL")) {
                c.nullable = true;
            } else if (accept_kw("CONSTRAINT")) {
                c.constraint_name = name();
            } else if (accept_kw("DEFAULT")) {
                c.default_name = c.constraint_name;
                c.constraint_name.clear();
                c.default_value = default_expr();
                if (is_kw("WITH") && is_kw("VALUES", 1)) {
                    accept_kw("WITH");
                    accept_kw("VALUES");
                    c.with_values = true;
                }
            } else if (accept_kw("PRIMARY")) {
                expect_kw("KEY");
                c.primary_key = true;
                c.clustered = clustered_opt();
                index_options();
            } else if (accept_kw("UNIQUE")) {
                c.unique = true;
                c.clustered = clustered_opt();
            } else if (accept_kw("FOREIGN")) {
                expect_kw("KEY");
            } else if (accept_kw("REFERENCES")) {
                c.fk_name = c.constraint_name;
                c.constraint_name.clear();
                c.references = multipart();
                if (accept_op("(")) {
                    c.ref_columns.push_back(name());
                    expect_op(")");
                }
                c.fk_actions = fk_actions();
            } else if (accept_kw("CHECK")) {
                accept_kw("NOT"), accept_kw("FOR"), accept_kw("REPLICATION");
                expect_op("(");
                c.checks.emplace_back(c.constraint_name, expr());
                c.constraint_name.clear();
                expect_op(")");
            } else if (accept_kw("ROWGUIDCOL") || accept_kw("SPARSE")) {
            } else {
                break;
            }
        }
        return c;
    }

    StatementPtr create_stmt(bool first) {
        if (is_kw("OR") && is_kw("ALTER", 1)) {
            p_ += 2;
            if (auto m = module_stmt(ModuleDefinition::CreateOrAlter, first))
                return m;
            fail();
        }
        if (auto m = module_stmt(ModuleDefinition::Create, first))
            return m;
        if (is_kw("LOGIN") || is_kw("USER"))
            return principal_stmt("CREATE");
        if (accept_kw("TABLE")) {
            auto s = st(Statement::K::CreateTable);
            s->table = multipart();
            expect_op("(");
            do {
                if (is_op(")"))
                    break;
                if (table_constraint_start()) {
                    s->constraints.push_back(table_constraint());
                } else {
                    s->coldefs.push_back(column_def());
                    while (table_constraint_start() && !is_kw("DEFAULT"))
                        s->constraints.push_back(table_constraint());
                }
            } while (accept_op(","));
            expect_op(")");
            while (accept_kw("ON") || accept_kw("TEXTIMAGE_ON"))
                name();
            if (is_kw("WITH") && is_op("(", 1)) {
                ++p_;
                expect_op("(");
                do {
                    std::string opt = name();
                    for (auto &ch : opt)
                        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                    expect_op("=");
                    std::string v = name();
                    for (auto &ch : v)
                        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                    if (opt == "DATA_COMPRESSION")
                        s->compression = v;
                } while (accept_op(","));
                expect_op(")");
            }
            return s;
        }
        if (accept_kw("DATABASE")) {
            auto s = st(Statement::K::CreateDatabase);
            s->name = name();
            while (!at_end() && !is_op(";") &&
                   !(peek().kind == Tok::Ident && kStatementStart.count(peek().upper)))
                ++p_;
            return s;
        }
        if (accept_kw("TYPE")) {
            // CREATE TYPE [schema.]name FROM base_type [NULL | NOT NULL]
            auto s = st(Statement::K::CreateType);
            s->table = multipart();
            if (!accept_kw("FROM"))
                throw sql_error(50000, 1, 16,
                                "The simulator implements only alias data types (CREATE TYPE "
                                "name FROM base_type), not table types or CLR types.");
            ColumnDef c;
            c.name = s->table.back();
            c.type = type(false);
            if (last_alias_)
                fail(); // an alias of an alias is not allowed
            if (accept_kw("NOT")) {
                expect_kw("NULL");
                c.nullable = false;
            } else if (accept_kw("NULL")) {
                c.nullable = true;
            }
            created_types_[upper_of(c.name)] = AliasType{c.type, c.nullable.value_or(true)};
            s->coldefs.push_back(c);
            return s;
        }
        if (accept_kw("SCHEMA")) {
            auto s = st(Statement::K::CreateSchema);
            s->name = name();
            if (accept_kw("AUTHORIZATION"))
                name();
            return s;
        }
        bool unique = accept_kw("UNIQUE");
        auto cl = clustered_opt();
        if (accept_kw("INDEX")) {
            auto s = st(Statement::K::CreateIndex);
            s->unique = unique;
            s->clustered = cl;
            s->name = name();
            expect_kw("ON");
            s->table = multipart();
            s->index_columns = column_list();
            if (accept_kw("INCLUDE"))
                for (auto &o : column_list())
                    s->include_columns.push_back(o.expr->parts[0]);
            if (accept_kw("WHERE"))
                expr();
            index_options();
            return s;
        }
        fail();
    }

    StatementPtr alter_stmt(bool first) {
        if (auto m = module_stmt(ModuleDefinition::Alter, first))
            return m;
        // ALTER AUTHORIZATION ON DATABASE::name TO principal (database ownership only).
        if (accept_kw("AUTHORIZATION")) {
            expect_kw("ON");
            expect_kw("DATABASE");
            expect_op(":");
            expect_op(":");
            auto s = st(Statement::K::AlterDatabase);
            s->name = name();
            expect_kw("TO");
            s->option_value = "OWNER";
            s->exprs.push_back(mk(Expr::K::Str, name()));
            return s;
        }
        if (is_kw("LOGIN") || is_kw("USER") || is_kw("ROLE") ||
            (is_kw("SERVER") && is_kw("ROLE", 1)))
            return principal_stmt("ALTER");
        if (accept_kw("DATABASE")) {
            auto s = st(Statement::K::AlterDatabase);
            if (accept_kw("CURRENT"))
                s->name = "";
            else
                s->name = name();
            expect_kw("SET");
            std::string opt = name();
            for (auto &ch : opt)
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            s->option_value = opt;
            if (opt == "READ_COMMITTED_SNAPSHOT" || opt == "ALLOW_SNAPSHOT_ISOLATION") {
                std::string v = name();
                for (auto &ch : v)
                    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                s->exprs.push_back(mk(Expr::K::Str, v));
            }
            if (opt == "RECOVERY") {
                std::string v = name();
                for (auto &ch : v)
                    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                s->exprs.push_back(mk(Expr::K::Str, v));
            }
            for (;;) {
                // WITH ROLLBACK IMMEDIATE | ROLLBACK AFTER n [SECONDS] | NO_WAIT (termination)
                if (is_kw("WITH") && (is_kw("ROLLBACK", 1) || is_kw("NO_WAIT", 1))) {
                    ++p_;
                    if (accept_kw("ROLLBACK")) {
                        s->option_flag = true;
                        if (!accept_kw("IMMEDIATE")) {
                            expect_kw("AFTER");
                            expr();
                            accept_kw("SECONDS");
                        }
                    } else {
                        name(); // NO_WAIT
                    }
                    continue;
                }
                if (at_end() || is_op(";") ||
                    (peek().kind == Tok::Ident && kStatementStart.count(peek().upper)))
                    break;
                ++p_;
            }
            return s;
        }
        if (accept_kw("INDEX")) {
            // ALTER INDEX name | ALL ON table REBUILD [WITH (...)]
            auto s = st(Statement::K::Rebuild);
            s->name = name();
            expect_kw("ON");
            s->table = multipart();
            if (!accept_kw("REBUILD"))
                s->k = Statement::K::Noop; // REORGANIZE, DISABLE, SET (...): no log effect here
            while (!at_end() && !is_op(";") &&
                   !(peek().kind == Tok::Ident && kStatementStart.count(peek().upper)))
                ++p_;
            return s;
        }
        expect_kw("TABLE");
        auto tbl = multipart();
        if (accept_kw("REBUILD")) {
            auto s = st(Statement::K::Rebuild);
            s->table = tbl;
            while (!at_end() && !is_op(";") &&
                   !(peek().kind == Tok::Ident && kStatementStart.count(peek().upper)))
                ++p_;
            return s;
        }
        // WITH CHECK | WITH NOCHECK before ADD CONSTRAINT or {CHECK | NOCHECK} CONSTRAINT
        std::string with_check;
        if (is_kw("WITH") && (is_kw("CHECK", 1) || is_kw("NOCHECK", 1))) {
            with_check = peek(1).upper;
            p_ += 2;
        }
        if (accept_kw("ADD")) {
            if (table_constraint_start()) {
                auto s = st(Statement::K::AlterTableAddConstraint);
                s->table = tbl;
                s->option_value = with_check;
                do
                    s->constraints.push_back(table_constraint());
                while (accept_op(","));
                return s;
            }
            auto s = st(Statement::K::AlterTableAdd);
            s->table = tbl;
            do
                s->coldefs.push_back(column_def());
            while (accept_op(","));
            return s;
        }
        if (accept_kw("ALTER")) {
            // ALTER COLUMN name type [COLLATE c] [NULL | NOT NULL]
            expect_kw("COLUMN");
            auto s = st(Statement::K::AlterColumn);
            s->table = tbl;
            s->coldefs.push_back(column_def());
            return s;
        }
        if (accept_kw("DROP")) {
            if (accept_kw("CONSTRAINT")) {
                auto s = st(Statement::K::AlterTableDropConstraint);
                s->table = tbl;
                if (accept_kw("IF"))
                    expect_kw("EXISTS"), s->if_exists = true;
                s->name = name();
                return s;
            }
            expect_kw("COLUMN");
            auto s = st(Statement::K::AlterTableDropColumn);
            s->table = tbl;
            if (accept_kw("IF"))
                expect_kw("EXISTS"), s->if_exists = true;
            do
                s->columns.push_back(name());
            while (accept_op(","));
            return s;
        }
        // ALTER TABLE t [WITH {CHECK | NOCHECK}] {CHECK | NOCHECK} CONSTRAINT {ALL | name, ...}
        auto s = st(Statement::K::CheckConstraints);
        s->table = tbl;
        s->option_value = with_check;
        if (accept_kw("CHECK"))
            s->name = "CHECK";
        else {
            expect_kw("NOCHECK");
            s->name = "NOCHECK";
        }
        expect_kw("CONSTRAINT");
        if (!accept_kw("ALL"))
            do
                s->columns.push_back(name());
            while (accept_op(","));
        return s;
    }

    // GRANT | DENY | REVOKE [GRANT OPTION FOR] permission [, ...] ON [OBJECT::]object
    // { TO | FROM } principal [, ...] [WITH GRANT OPTION] [CASCADE] [AS principal]: `name` the
    // verb, `columns` the permissions (upper case; ALL [PRIVILEGES] as ALL), `table` the object,
    // `objects` the principals (one part each). Permissions on other classes (SCHEMA::,
    // DATABASE, column lists) are refused: the simulator keeps object permissions only.
    StatementPtr permission_stmt(const std::string &verb) {
        auto s = st(Statement::K::Permission);
        s->name = verb;
        auto unsupported = [&](const std::string &what) {
            return sql_error(50000, 1, 16,
                             "The simulator keeps object permissions only (" + verb +
                                 " ... ON [OBJECT::]schema.object); " + what +
                                 " is not supported.");
        };
        if (verb == "REVOKE" && is_kw("GRANT") && is_kw("OPTION", 1)) {
            p_ += 2;
            expect_kw("FOR");
        }
        do {
            if (!is_name_or_kw())
                fail();
            std::string perm = t_[p_++].upper;
            if (perm == "ALL")
                accept_kw("PRIVILEGES");
            if (is_op("("))
                throw unsupported("a column list");
            s->columns.push_back(perm);
        } while (accept_op(","));
        if (!accept_kw("ON"))
            throw unsupported("a database-level permission");
        if (is_name_or_kw() && is_op(":", 1) && is_op(":", 2)) {
            std::string cls = t_[p_].upper;
            if (cls != "OBJECT")
                throw unsupported("the class " + cls + "::");
            p_ += 3;
        }
        s->table = multipart();
        if (is_op("("))
            throw unsupported("a column list");
        if (!(accept_kw("TO") || (verb == "REVOKE" && accept_kw("FROM"))))
            fail();
        do
            s->objects.push_back({name()});
        while (accept_op(","));
        if (verb == "GRANT" && accept_kw("WITH")) {
            expect_kw("GRANT");
            expect_kw("OPTION");
            s->option_flag = true;
        }
        accept_kw("CASCADE");
        if (accept_kw("AS"))
            name();
        return s;
    }

    // CREATE | ALTER | DROP LOGIN / USER, ALTER [SERVER] ROLE: `name` "<VERB> <KIND>", `table`
    // the principal's name, `option_value` the member (ROLE) or login (USER), `declares` none;
    // options as `exec_args` (name upper case, value).
    StatementPtr principal_stmt(const std::string &verb) {
        auto s = st(Statement::K::Server);
        std::string kind;
        if (accept_kw("SERVER"))
            kind = "SERVER ";
        kind += upper_of(name());
        s->name = verb + " " + kind;
        if (verb == "DROP" && accept_kw("IF")) {
            expect_kw("EXISTS");
            s->if_exists = true;
        }
        s->table = {name()};
        auto option_list = [&] {
            do {
                std::string opt = upper_of(name());
                ExprPtr v;
                if (accept_op("="))
                    v = is_name() ? mk(Expr::K::Str, name()) : expr();
                while (is_kw("MUST_CHANGE") || is_kw("HASHED"))
                    ++p_;
                s->exec_args.emplace_back(opt, v);
            } while (accept_op(","));
        };
        if (kind == "ROLE" || kind == "SERVER ROLE") {
            if (verb != "ALTER")
                return s;
            if (accept_kw("ADD"))
                s->option_value = "ADD";
            else if (accept_kw("DROP"))
                s->option_value = "DROP";
            else {
                expect_kw("WITH");
                option_list();
                return s;
            }
            expect_kw("MEMBER");
            s->columns = {name()};
            return s;
        }
        if (verb == "DROP")
            return s;
        if (kind == "USER") {
            if (accept_kw("FOR") || accept_kw("FROM")) {
                expect_kw("LOGIN");
                s->columns = {name()};
            } else if (accept_kw("WITHOUT")) {
                expect_kw("LOGIN");
                s->option_value = "WITHOUT LOGIN";
            }
        } else if (accept_kw("FROM")) {
            // FROM WINDOWS / EXTERNAL PROVIDER / CERTIFICATE: no SQL password
            s->option_value = upper_of(name());
            if (accept_kw("WITH"))
                option_list();
            return s;
        } else if (accept_kw("ENABLE") || accept_kw("DISABLE")) {
            s->option_value = upper_of(t_[p_ - 1].text);
            return s;
        }
        if (accept_kw("WITH"))
            option_list();
        return s;
    }

    StatementPtr drop_stmt() {
        if (is_kw("LOGIN") || is_kw("USER"))
            return principal_stmt("DROP");
        std::string kind = module_kind();
        if (!kind.empty()) {
            auto s = st(Statement::K::DropModule);
            s->name = kind;
            if (accept_kw("IF")) {
                expect_kw("EXISTS");
                s->if_exists = true;
            }
            do
                s->objects.push_back(multipart());
            while (accept_op(","));
            if (kind == "TRIGGER" && accept_kw("ON")) {
                if (is_kw("ALL") && is_kw("SERVER", 1))
                    throw server_triggers_unsupported();
                expect_kw("DATABASE");
                s->on_database = true;
            }
            return s;
        }
        if (accept_kw("TABLE")) {
            auto s = st(Statement::K::DropTable);
            if (accept_kw("IF")) {
                expect_kw("EXISTS");
                s->if_exists = true;
            }
            s->table = multipart();
            while (accept_op(",")) {
                auto more = multipart();
                s->columns.push_back(more.back()); // extra tables are rare; keep the last part
            }
            return s;
        }
        if (accept_kw("TYPE")) {
            auto s = st(Statement::K::DropType);
            if (accept_kw("IF")) {
                expect_kw("EXISTS");
                s->if_exists = true;
            }
            s->table = multipart();
            return s;
        }
        if (accept_kw("DATABASE")) {
            auto s = st(Statement::K::DropDatabase);
            if (accept_kw("IF")) {
                expect_kw("EXISTS");
                s->if_exists = true;
            }
            s->name = name();
            return s;
        }
        if (accept_kw("SCHEMA")) {
            auto s = st(Statement::K::DropSchema);
            if (accept_kw("IF")) {
                expect_kw("EXISTS");
                s->if_exists = true;
            }
            s->name = name();
            return s;
        }
        if (accept_kw("INDEX")) {
            auto s = st(Statement::K::DropIndex);
            if (accept_kw("IF")) {
                expect_kw("EXISTS");
                s->if_exists = true;
            }
            auto parts = multipart();
            if (accept_kw("ON")) {
                s->name = parts.back();
                s->table = multipart();
            } else {
                s->name = parts.back();
                parts.pop_back();
                s->table = parts;
            }
            return s;
        }
        fail();
    }

    StatementPtr set_stmt() {
        if (peek().kind == Tok::Variable) {
            auto s = st(Statement::K::SetVar);
            s->name = t_[p_++].upper;
            if (is_op("+=") || is_op("-=")) {
                std::string op(1, t_[p_++].text[0]);
                auto v = mk(Expr::K::Var, s->name);
                s->exprs.push_back(bin(op, v, expr()));
                return s;
            }
            expect_op("=");
            s->exprs.push_back(expr());
            return s;
        }
        auto s = st(Statement::K::Set);
        if (accept_kw("TRANSACTION")) {
            expect_kw("ISOLATION");
            expect_kw("LEVEL");
            s->name = "TRANSACTION ISOLATION LEVEL";
            while (is_name_or_kw() && !kStatementStart.count(peek().upper))
                s->option_value += (s->option_value.empty() ? "" : " ") + t_[p_++].upper;
            return s;
        }
        std::string opt = name();
        for (auto &ch : opt)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        s->name = opt;
        if (opt == "IDENTITY_INSERT") {
            s->table = multipart();
            s->option_value = t_[p_++].upper;
            return s;
        }
        if (opt == "DATEFORMAT" && peek().kind == Tok::Variable) {
            s->exprs.push_back(mk(Expr::K::Var, t_[p_++].upper));
            return s;
        }
        // SET A, B, C ON
        while (accept_op(","))
            name();
        const Token &v = peek();
        if (v.kind == Tok::Ident || v.kind == Tok::Integer || v.kind == Tok::Op ||
            v.kind == Tok::String || v.kind == Tok::NString || v.kind == Tok::QuotedIdent) {
            if (v.kind == Tok::Op && v.text == "-") {
                ++p_;
                s->option_value = "-" + t_[p_++].text;
            } else {
                s->option_value = v.kind == Tok::Ident ? v.upper : v.text;
                ++p_;
            }
        }
        return s;
    }

    StatementPtr exec_stmt() {
        auto s = st(Statement::K::Exec);
        if (is_op("(")) {
            ++p_;
            s->name = "(dynamic)";
            s->exprs.push_back(expr());
            expect_op(")");
            return s;
        }
        if (peek().kind == Tok::Variable && is_op("=", 1))
            p_ += 2; // EXEC @rc = proc
        auto parts = multipart();
        s->table = parts;
        s->name = parts.back();
        for (auto &ch : s->name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        while (
            !at_end() && !is_op(";") &&
            !(peek().kind == Tok::Ident && kStatementStart.count(peek().upper) && !is_op("=", 1))) {
            std::string pname;
            if (peek().kind == Tok::Variable && is_op("=", 1)) {
                pname = t_[p_].upper;
                p_ += 2;
            }
            s->exec_args.emplace_back(pname, expr());
            if (accept_kw("OUTPUT") || accept_kw("OUT")) {
            }
            if (!accept_op(","))
                break;
        }
        if (s->name == "sp_addtype" || s->name == "sp_droptype")
            return type_procedure(*s);
        if (s->name == "sp_rename") {
            // A catalog change: runs as a writing statement (its own transaction).
            s->k = Statement::K::Server;
            s->name = "SP_RENAME";
        }
        return s;
    }

    // sp_addtype @typename, @phystype [, @nulltype [, @owner]] and sp_droptype @typename are
    // CREATE TYPE ... FROM and DROP TYPE (the system procedures are their older spelling).
    StatementPtr type_procedure(const Statement &call) {
        static const char *const kParams[] = {"@TYPENAME", "@PHYSTYPE", "@NULLTYPE", "@OWNER"};
        std::optional<std::string> arg[4];
        for (size_t i = 0; i < call.exec_args.size(); ++i) {
            const auto &[pname, e] = call.exec_args[i];
            size_t at = i;
            for (size_t k = 0; k < 4; ++k)
                if (pname == kParams[k])
                    at = k;
            if (at >= 4)
                throw sql_error(8145, 2, 16,
                                pname + " is not a parameter for procedure " + call.name + ".");
            if (e && (e->k == Expr::K::Str || e->k == Expr::K::NStr))
                arg[at] = e->text;
            else if (e && e->k == Expr::K::Column && e->parts.size() == 1)
                arg[at] = e->parts[0];
            else if (e && e->k != Expr::K::Null)
                throw sql_error(50000, 1, 16,
                                "The simulator runs " + call.name +
                                    " with literal arguments only.");
        }
        const bool add = call.name == "sp_addtype";
        if (!arg[0] || (add && !arg[1]))
            throw sql_error(201, 4, 16,
                            "Procedure or function '" + call.name + "' expects parameter '" +
                                (arg[0] ? "@phystype" : "@typename") +
                                "', which was not supplied.");
        auto s = st(add ? Statement::K::CreateType : Statement::K::DropType);
        s->line = call.line;
        s->table = {*arg[0]};
        if (!add)
            return s;
        ColumnDef c;
        c.name = *arg[0];
        Parser tp(tokenize(*arg[1]));
        c.type = tp.type(false);
        if (arg[2])
            c.nullable = nullability_text(*arg[2]);
        created_types_[upper_of(c.name)] = AliasType{c.type, c.nullable.value_or(true)};
        s->coldefs.push_back(c);
        return s;
    }

    // ---- modules: views, procedures, functions, triggers -----------------------------------
    // VIEW / PROC[EDURE] / FUNCTION / TRIGGER at the cursor (consumed), or "".
    std::string module_kind() {
        std::string kind;
        if (is_kw("VIEW"))
            kind = "VIEW";
        else if (is_kw("PROC") || is_kw("PROCEDURE"))
            kind = "PROCEDURE";
        else if (is_kw("FUNCTION"))
            kind = "FUNCTION";
        else if (is_kw("TRIGGER"))
            kind = "TRIGGER";
        if (!kind.empty())
            ++p_;
        return kind;
    }

    static SqlError server_triggers_unsupported() {
        return sql_error(50000, 1, 16,
                         "The simulator does not implement server-scoped DDL triggers (ON ALL "
                         "SERVER); only DML triggers and DDL triggers ON DATABASE.");
    }

    // { ENABLE | DISABLE } TRIGGER { name [, ...] | ALL } ON { object | DATABASE | ALL SERVER }
    StatementPtr enable_trigger_stmt() {
        auto s = st(Statement::K::EnableTrigger);
        s->name = peek().upper;
        p_ += 2;
        if (accept_kw("ALL"))
            s->if_exists = true; // ALL triggers
        else
            do
                s->objects.push_back(multipart());
            while (accept_op(","));
        expect_kw("ON");
        if (is_kw("ALL") && is_kw("SERVER", 1))
            throw server_triggers_unsupported();
        if (accept_kw("DATABASE"))
            s->on_database = true;
        else
            s->target = multipart();
        return s;
    }

    // CREATE [OR ALTER] | ALTER { VIEW | PROCEDURE | FUNCTION | TRIGGER }: the whole batch is
    // the definition, and the statement must be the batch's first (error 111).
    StatementPtr module_stmt(ModuleDefinition def, bool first) {
        std::string kind = module_kind();
        if (kind.empty())
            return nullptr;
        if (!first) {
            std::string verb = def == ModuleDefinition::Alter ? "ALTER" : "CREATE";
            std::string what = kind == "PROCEDURE" ? "CREATE/ALTER PROCEDURE" : verb + " " + kind;
            throw sql_error(111, 1, 15,
                            "'" + what + "' must be the first statement in a query batch.");
        }
        auto s = st(kind == "VIEW" ? Statement::K::CreateView : Statement::K::CreateModule);
        s->define = def;
        s->name = kind;
        s->definition = src_;
        s->table = multipart();
        if (kind == "VIEW")
            view_rest(*s);
        else if (kind == "PROCEDURE")
            procedure_rest(*s);
        else if (kind == "FUNCTION")
            function_rest(*s);
        else
            trigger_rest(*s);
        return s;
    }

    // The body of a procedure, function or trigger runs to the end of the batch; the simulator
    // keeps its text without running it.
    void body_to_end() {
        if (at_end())
            fail();
        p_ = t_.size() - 1;
    }

    // The principal is resolved when the module is created (SqlSession::resolve_execute_as).
    void execute_as(ModuleOptions &o) {
        o.execute_as_user.clear();
        if (accept_kw("OWNER")) {
            o.execute_as = ModuleOptions::kOwner;
        } else if (accept_kw("SELF")) {
            o.execute_as = ModuleOptions::kSelf;
        } else if (accept_kw("CALLER")) {
            o.execute_as.reset();
        } else if (peek().kind == Tok::String || peek().kind == Tok::NString) {
            o.execute_as = ModuleOptions::kUser;
            o.execute_as_user = t_[p_++].text;
        } else {
            fail();
        }
    }

    // WITH option [, option ...] of CREATE VIEW / PROCEDURE / FUNCTION / TRIGGER.
    void module_options(ModuleOptions &o) {
        do {
            if (accept_kw("EXECUTE") || accept_kw("EXEC")) {
                expect_kw("AS");
                execute_as(o);
            } else if (accept_kw("RETURNS")) {
                expect_kw("NULL");
                expect_kw("ON");
                expect_kw("NULL");
                expect_kw("INPUT");
                o.null_on_null_input = true;
            } else if (accept_kw("CALLED")) {
                expect_kw("ON");
                expect_kw("NULL");
                expect_kw("INPUT");
            } else if (accept_kw("INLINE")) {
                expect_op("=");
                name();
            } else {
                std::string w = upper_of(name());
                if (w == "ENCRYPTION")
                    o.encryption = true;
                else if (w == "SCHEMABINDING")
                    o.schemabinding = true;
                else if (w == "VIEW_METADATA")
                    o.view_metadata = true;
                else if (w == "RECOMPILE")
                    o.recompile = true;
                else if (w != "NATIVE_COMPILATION")
                    fail();
            }
        } while (accept_op(","));
    }

    // @name [AS] type [VARYING] [NULL] [= default] [OUT | OUTPUT] [READONLY], ...
    void module_parameters(Statement &s) {
        while (peek().kind == Tok::Variable) {
            std::string v = t_[p_++].upper;
            accept_kw("AS");
            SqlType t;
            if (accept_kw("CURSOR"))
                t = SqlType{TypeId::SqlVariant, 0, 0, 0};
            else
                t = type(false);
            accept_kw("VARYING");
            if (is_kw("NOT") && is_kw("NULL", 1))
                p_ += 2;
            else
                accept_kw("NULL");
            if (accept_op("="))
                expr();
            if (!accept_kw("OUTPUT"))
                accept_kw("OUT");
            accept_kw("READONLY");
            s.declares.emplace_back(v, t);
            if (!accept_op(","))
                break;
        }
    }

    void view_rest(Statement &s) {
        s.option_value = "V";
        if (accept_op("(")) {
            do
                s.columns.push_back(name());
            while (accept_op(","));
            expect_op(")");
        }
        if (accept_kw("WITH"))
            module_options(s.module);
        expect_kw("AS");
        s.select = select_stmt();
        if (is_kw("WITH") && is_kw("CHECK", 1)) {
            p_ += 2;
            expect_kw("OPTION");
            s.module.check_option = true;
        }
        while (accept_op(";")) {
        }
        if (!at_end()) // a view is one SELECT; nothing may follow it in the batch
            fail();
    }

    void procedure_rest(Statement &s) {
        s.option_value = "P";
        if (accept_op(";")) { // numbered procedure: name;number
            if (peek().kind != Tok::Integer)
                fail();
            ++p_;
        }
        bool paren = accept_op("(");
        module_parameters(s);
        if (paren)
            expect_op(")");
        if (accept_kw("WITH"))
            module_options(s.module);
        if (accept_kw("FOR"))
            expect_kw("REPLICATION");
        expect_kw("AS");
        body_to_end();
    }

    void function_rest(Statement &s) {
        expect_op("(");
        module_parameters(s);
        expect_op(")");
        expect_kw("RETURNS");
        if (accept_kw("TABLE")) {
            s.option_value = "IF";
        } else if (peek().kind == Tok::Variable) {
            ++p_;
            expect_kw("TABLE");
            s.option_value = "TF";
            expect_op("(");
            do {
                if (is_op(")"))
                    break;
                if (table_constraint_start())
                    s.constraints.push_back(table_constraint());
                else
                    s.coldefs.push_back(column_def());
            } while (accept_op(","));
            expect_op(")");
        } else {
            s.option_value = "FN";
            type(false);
        }
        if (accept_kw("WITH"))
            module_options(s.module);
        accept_kw("AS");
        if (s.option_value != "IF") {
            if (!is_kw("BEGIN"))
                fail();
            body_to_end();
            return;
        }
        expect_kw("RETURN");
        // The result columns of an inline function come from its SELECT; one the simulator
        // cannot parse is kept as text only.
        size_t at = p_;
        try {
            auto sel = select_stmt();
            while (accept_op(";")) {
            }
            if (at_end())
                s.select = sel;
        } catch (const SqlError &) {
        }
        p_ = at;
        body_to_end();
    }

    void trigger_rest(Statement &s) {
        s.option_value = "TR";
        expect_kw("ON");
        if (is_kw("ALL") && is_kw("SERVER", 1))
            throw server_triggers_unsupported();
        if (accept_kw("DATABASE")) {
            s.on_database = true;
            if (accept_kw("WITH"))
                module_options(s.module);
            if (!accept_kw("FOR"))
                expect_kw("AFTER");
            do {
                if (peek().kind != Tok::Ident)
                    fail();
                s.module.events += (s.module.events.empty() ? "" : ",") + peek().upper;
                ++p_;
            } while (accept_op(","));
            expect_kw("AS");
            if (at_end())
                fail();
            s.body_offset = peek().offset;
            body_to_end();
            return;
        }
        s.target = multipart();
        if (accept_kw("WITH"))
            module_options(s.module);
        if (!accept_kw("FOR") && !accept_kw("AFTER")) {
            expect_kw("INSTEAD");
            expect_kw("OF");
            s.module.instead_of = true;
        }
        do {
            std::string ev = peek().upper;
            if (ev != "INSERT" && ev != "UPDATE" && ev != "DELETE")
                fail();
            ++p_;
            s.module.events += (s.module.events.empty() ? "" : ",") + ev;
        } while (accept_op(","));
        if (is_kw("WITH") && is_kw("APPEND", 1))
            p_ += 2;
        if (is_kw("NOT") && is_kw("FOR", 1)) {
            p_ += 2;
            expect_kw("REPLICATION");
            s.module.not_for_replication = true;
        }
        expect_kw("AS");
        body_to_end();
    }

    static std::string upper_of(std::string v) {
        for (auto &ch : v)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        return v;
    }

private:
    std::vector<Token> t_;
    std::string src_;
    size_t p_ = 0;
    bool module_ok_ = false;
    AliasTypeLookup aliases_;
    std::map<std::string, AliasType> created_types_; // by upper-case name
    std::optional<std::vector<std::string>> last_alias_;
    bool last_alias_nullable_ = true;

public:
    void set_aliases(const AliasTypeLookup &a) { aliases_ = a; }
};

} // namespace

std::vector<StatementPtr> parse_batch(const std::string &sql, const AliasTypeLookup &aliases) {
    Parser p(tokenize(sql), sql);
    p.set_aliases(aliases);
    return p.batch();
}

SqlType parse_type_name(const std::string &text) {
    auto toks = tokenize(text);
    Parser p(toks);
    return p.type(false);
}

std::string type_to_string(const SqlType &t) {
    auto len = [&](int n) { return n == SqlType::kMax ? std::string("max") : std::to_string(n); };
    switch (t.id) {
    case TypeId::Bit:
        return "bit";
    case TypeId::TinyInt:
        return "tinyint";
    case TypeId::SmallInt:
        return "smallint";
    case TypeId::Int:
        return "int";
    case TypeId::BigInt:
        return "bigint";
    case TypeId::Decimal:
        return "decimal(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case TypeId::Numeric:
        return "numeric(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case TypeId::Money:
        return "money";
    case TypeId::SmallMoney:
        return "smallmoney";
    case TypeId::Real:
        return "real";
    case TypeId::Float:
        return "float";
    case TypeId::Date:
        return "date";
    case TypeId::Time:
        return "time(" + std::to_string(t.scale) + ")";
    case TypeId::DateTime:
        return "datetime";
    case TypeId::SmallDateTime:
        return "smalldatetime";
    case TypeId::DateTime2:
        return "datetime2(" + std::to_string(t.scale) + ")";
    case TypeId::DateTimeOffset:
        return "datetimeoffset(" + std::to_string(t.scale) + ")";
    case TypeId::Char:
        return "char(" + len(t.length) + ")";
    case TypeId::VarChar:
        return "varchar(" + len(t.length) + ")";
    case TypeId::NChar:
        return "nchar(" + len(t.length) + ")";
    case TypeId::NVarChar:
        return "nvarchar(" + len(t.length) + ")";
    case TypeId::Text:
        return "text";
    case TypeId::NText:
        return "ntext";
    case TypeId::Binary:
        return "binary(" + len(t.length) + ")";
    case TypeId::VarBinary:
        return "varbinary(" + len(t.length) + ")";
    case TypeId::Image:
        return "image";
    case TypeId::UniqueIdentifier:
        return "uniqueidentifier";
    case TypeId::Xml:
        return "xml";
    case TypeId::Timestamp:
        return "timestamp";
    case TypeId::HierarchyId:
        return "hierarchyid";
    case TypeId::SqlVariant:
        return "sql_variant";
    case TypeId::Geometry:
        return "geometry";
    case TypeId::Geography:
        return "geography";
    }
    return "int";
}

} // namespace sim::sql
