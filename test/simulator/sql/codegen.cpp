#include "codegen.hpp"

#include "alias_types.hpp"
#include "compat_views.hpp"

#include "dblog.hpp"

#include "errors.hpp"
#include "parser.hpp"
#include "sqlite_db.hpp"
#include "sqltypes.hpp"

#include <strings.h>

#include <algorithm>

namespace sim::sql {

namespace {

bool ieq(const std::string &a, const std::string &b) {
    return strcasecmp(a.c_str(), b.c_str()) == 0;
}

std::string upper(std::string s) {
    for (auto &c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

SqlType mk(TypeId id, int32_t len = 0, uint8_t p = 0, uint8_t s = 0) {
    SqlType t;
    t.id = id;
    t.length = len;
    t.precision = p;
    t.scale = s;
    return t;
}

Ty known(SqlType t, bool nullable = true) {
    return Ty{t, true, nullable};
}

int type_rank(TypeId id) {
    switch (id) {
    case TypeId::DateTimeOffset:
        return 30;
    case TypeId::DateTime2:
        return 29;
    case TypeId::DateTime:
        return 28;
    case TypeId::SmallDateTime:
        return 27;
    case TypeId::Date:
        return 26;
    case TypeId::Time:
        return 25;
    case TypeId::Float:
        return 24;
    case TypeId::Real:
        return 23;
    case TypeId::Decimal:
    case TypeId::Numeric:
        return 22;
    case TypeId::Money:
        return 21;
    case TypeId::SmallMoney:
        return 20;
    case TypeId::BigInt:
        return 19;
    case TypeId::Int:
        return 18;
    case TypeId::SmallInt:
        return 17;
    case TypeId::TinyInt:
        return 16;
    case TypeId::Bit:
        return 15;
    case TypeId::NText:
        return 14;
    case TypeId::Text:
        return 13;
    case TypeId::Image:
        return 12;
    case TypeId::UniqueIdentifier:
        return 11;
    case TypeId::NVarChar:
        return 10;
    case TypeId::NChar:
        return 9;
    case TypeId::VarChar:
        return 8;
    case TypeId::Char:
        return 7;
    case TypeId::VarBinary:
        return 6;
    case TypeId::Binary:
        return 5;
    default:
        return 1;
    }
}

std::string binary_literal(const std::string &hex) {
    std::string h = hex.size() % 2 ? "0" + hex : hex;
    return "x'" + h + "'";
}

std::string numeric_literal_type(const std::string &text, SqlType &t) {
    std::string digits;
    size_t dot = text.find('.');
    int scale = dot == std::string::npos ? 0 : static_cast<int>(text.size() - dot - 1);
    for (char c : text)
        if (std::isdigit(static_cast<unsigned char>(c)))
            digits += c;
    while (digits.size() > 1 && digits[0] == '0' && static_cast<int>(digits.size()) > scale + 1)
        digits.erase(0, 1);
    int precision = std::max<int>(static_cast<int>(digits.size()), scale);
    t = mk(TypeId::Numeric, 0, static_cast<uint8_t>(std::min(38, std::max(1, precision))),
           static_cast<uint8_t>(std::min(38, scale)));
    return text;
}

struct FuncSpec {
    const char *name;
    const char *sqlite; // replacement function name, or nullptr when handled specially
};

// WHERE, HAVING and ON take conditions; SQL Server has no boolean values to test directly.
bool is_condition(const Expr &e) {
    switch (e.k) {
    case Expr::K::Binary:
        if (e.text == "AND" || e.text == "OR")
            return is_condition(*e.args[0]) && is_condition(*e.args[1]);
        return e.text == "=" || e.text == "<>" || e.text == "<" || e.text == ">" ||
               e.text == "<=" || e.text == ">=";
    case Expr::K::Unary:
        return e.text == "NOT" && is_condition(*e.args[0]);
    case Expr::K::InList:
    case Expr::K::InSelect:
    case Expr::K::Exists:
    case Expr::K::Between:
    case Expr::K::Like:
    case Expr::K::IsNull:
        return true;
    default:
        return false;
    }
}

std::string condition_sql(Codegen &g, const Expr &e) {
    if (!is_condition(e))
        throw sql_error(4145, 1, 15,
                        "An expression of non-boolean type specified in a context "
                        "where a condition is expected.");
    return g.expr(e);
}

} // namespace

// ---- scopes and names ------------------------------------------------------------------------

const Codegen::CteDef *Codegen::find_cte(const std::string &name) const {
    for (auto it = ctes_.rbegin(); it != ctes_.rend(); ++it) {
        for (const auto &[n, def] : *it)
            if (ieq(n, name))
                return &def;
    }
    return nullptr;
}

TableMeta Codegen::resolve_table(const std::vector<std::string> &parts) {
    std::string shown;
    for (size_t i = 0; i < parts.size(); ++i)
        shown += (i ? "." : "") + parts[i];
    DatabaseMeta d = ctx_.current;
    std::string schema = "dbo", name = parts.back();
    if (parts.size() >= 2 && !parts[parts.size() - 2].empty())
        schema = parts[parts.size() - 2];
    if (parts.size() >= 3) {
        auto other = find_database(ctx_.db, parts[parts.size() - 3]);
        if (!other)
            throw sql_error(208, 1, 16, "Invalid object name '" + shown + "'.");
        d = *other;
    }
    if (parts.size() > 4)
        throw sql_error(117, 1, 15,
                        "The object name '" + shown +
                            "' contains more than the maximum number of prefixes.");
    auto t = find_table(ctx_.db, d, schema, name);
    if (!t)
        t = find_view(ctx_.db, d, schema, name);
    // Compatibility views (sys.sysobjects, ...) answer to dbo.name and name as well.
    if (!t && strcasecmp(schema.c_str(), "dbo") == 0 && is_compat_view(name))
        t = find_table(ctx_.db, d, "sys", name);
    if (!t)
        throw sql_error(208, 1, 16, "Invalid object name '" + shown + "'.");
    return *t;
}

// A view is expanded where it is used: its SELECT, compiled afresh in the view's database (no
// variables, no outer columns), its columns named by the view's column list.
CompiledSelect Codegen::expand_view(const TableMeta &v) {
    if (ctx_.depth >= 32)
        throw sql_error(217, 1, 16,
                        "Maximum stored procedure, function, trigger, or view nesting level "
                        "exceeded (limit 32).");
    auto stmts = parse_batch(v.definition, [&](const std::string &schema, const std::string &n) {
        auto a = find_alias_type(ctx_.db, v.database_id, schema, n);
        return a ? std::optional<AliasType>(a->type) : std::nullopt;
    });
    if (stmts.empty() || stmts[0]->k != Statement::K::CreateView || !stmts[0]->select)
        throw sql_error(4413, 1, 16,
                        "Could not use view or function '" + v.display() +
                            "' because of binding errors.");
    const Statement &def = *stmts[0];
    auto d = find_database(ctx_.db, v.database_id);
    CodegenContext inner{ctx_.db, d ? *d : ctx_.current, nullptr, ctx_.global, ctx_.depth + 1};
    Codegen g(inner);
    CompiledSelect cs = g.select(*def.select);
    std::string cols;
    for (size_t i = 0; i < cs.columns.size(); ++i) {
        if (i < def.columns.size())
            cs.columns[i].name = def.columns[i];
        if (cs.columns[i].name.empty())
            cs.columns[i].name = "$c" + std::to_string(i + 1);
        cols += (i ? ", " : "") + qi(cs.columns[i].name);
    }
    const std::string cte = qi("$v" + std::to_string(v.object_id));
    cs.sql = "WITH " + cte + "(" + cols + ") AS (" + cs.sql + ") SELECT * FROM " + cte;
    return cs;
}

// A call of schema.function(...) or a FROM schema.function(...): user functions are catalog
// objects the simulator does not run.
void Codegen::user_function(const std::vector<std::string> &parts, bool table_valued) {
    std::string shown;
    for (size_t i = 0; i < parts.size(); ++i)
        shown += (i ? "." : "") + parts[i];
    DatabaseMeta d = ctx_.current;
    if (parts.size() >= 3)
        if (auto other = find_database(ctx_.db, parts[parts.size() - 3]))
            d = *other;
    std::string schema =
        parts.size() >= 2 && !parts[parts.size() - 2].empty() ? parts[parts.size() - 2] : "dbo";
    auto o = parts.empty() ? std::nullopt : find_object(ctx_.db, d.id, schema, parts.back());
    if (o && (o->type == "FN" || o->type == "IF" || o->type == "TF"))
        throw sql_error(50000, 1, 16,
                        "The simulator keeps user-defined function '" + shown +
                            "' in the catalog but does not execute user-defined functions.");
    if (table_valued || parts.size() < 2)
        throw sql_error(208, 1, 16, "Invalid object name '" + shown + "'.");
    throw sql_error(4121, 1, 16,
                    "Cannot find either column \"" + parts[parts.size() - 2] +
                        "\" or the user-defined function or aggregate \"" + shown +
                        "\", or the name is ambiguous.");
}

std::string Codegen::with_clause(const std::vector<Cte> &ctes) {
    if (ctes.empty())
        return "";
    ctes_.emplace_back();
    std::string out = "WITH RECURSIVE ";
    bool first = true;
    for (const auto &c : ctes) {
        // Anchor first: its columns type the recursive member.
        std::vector<ColumnInfo> cols;
        std::vector<bool> kn;
        Select anchor = *c.select;
        anchor.next.reset();
        anchor.set_op.clear();
        anchor.order_by.clear();
        anchor.with.clear();
        {
            CteDef placeholder;
            (void)placeholder;
            std::vector<ColumnInfo> ac;
            std::vector<bool> ak;
            // compile the anchor only to learn types (its SQL is discarded)
            scopes_.emplace_back();
            core(anchor, ac, ak);
            scopes_.pop_back();
            CteDef def;
            for (size_t i = 0; i < ac.size(); ++i) {
                std::string n = i < c.columns.size() ? c.columns[i] : ac[i].name;
                def.cols.push_back({n, Ty{ac[i].type, static_cast<bool>(ak[i]), true}});
            }
            ctes_.back()[c.name] = def;
        }
        CompiledSelect body = select(*c.select);
        std::string collist;
        const auto &def = ctes_.back()[c.name];
        for (const auto &sc : def.cols)
            collist += (collist.empty() ? "" : ", ") + qi(sc.name);
        out +=
            std::string(first ? "" : ", ") + qi(c.name) + "(" + collist + ") AS (" + body.sql + ")";
        first = false;
    }
    return out + " ";
}

CompiledSelect Codegen::select(const Select &s) {
    CompiledSelect out;
    std::string with = with_clause(s.with);
    bool compound = s.next != nullptr;
    std::string body;
    const Select *cur = &s;
    bool first = true;
    while (cur) {
        std::vector<ColumnInfo> cols;
        std::vector<bool> kn;
        scopes_.emplace_back();
        std::string c = core(*cur, cols, kn);
        // TOP on one member of a compound select limits that member only.
        if (cur->top && (compound || !cur->order_by.empty() || cur->offset)) {
            if (compound)
                c = "SELECT * FROM (" + c + " LIMIT " + expr(*cur->top) + ")";
        }
        if (first) {
            out.columns = cols;
            out.known = kn;
        } else {
            for (size_t i = 0; i < out.columns.size() && i < cols.size(); ++i)
                if (!out.known[i] && kn[i]) {
                    out.columns[i].type = cols[i].type;
                    out.known[i] = true;
                }
            if (cols.size() != out.columns.size())
                throw sql_error(205, 1, 16,
                                "All queries combined using a UNION, INTERSECT or EXCEPT operator "
                                "must have an equal number of expressions in their target lists.");
        }
        body += c;
        if (cur->next) {
            body += " " + cur->set_op + " ";
            scopes_.pop_back();
        }
        first = !cur->next ? first : false;
        if (!cur->next) {
            // ORDER BY sees the last member's scope plus the select-list aliases.
            if (!s.order_by.empty()) {
                body += " ORDER BY ";
                for (size_t i = 0; i < s.order_by.size(); ++i) {
                    const auto &o = s.order_by[i];
                    std::string e;
                    if (o.expr->k == Expr::K::Int) {
                        e = o.expr->text; // ordinal
                    } else {
                        e = expr(*o.expr);
                    }
                    body += (i ? ", " : "") + e + (o.desc ? " DESC" : "");
                }
            }
            scopes_.pop_back();
        }
        cur = cur->next.get();
    }
    if (s.offset || s.fetch) {
        body += " LIMIT " + (s.fetch ? expr(*s.fetch) : std::string("-1"));
        if (s.offset)
            body += " OFFSET " + expr(*s.offset);
    } else if (s.top && !compound) {
        std::string n = expr(*s.top);
        if (s.top_percent)
            body += " LIMIT -1"; // PERCENT is resolved by the executor
        else
            body += " LIMIT " + n;
    }
    if (!s.with.empty())
        ctes_.pop_back();
    out.sql = with + body;
    return out;
}

std::string Codegen::core(const Select &s, std::vector<ColumnInfo> &cols, std::vector<bool> &kn) {
    Scope &scope = scopes_.back();
    std::string from;
    for (size_t i = 0; i < s.from.size(); ++i)
        from += (i ? ", " : "") + table_ref(*s.from[i], scope);
    std::string items;
    auto add_item = [&](const std::string &sql, const std::string &name, const Ty &ty) {
        std::string alias = name.empty() ? "$c" + std::to_string(++unnamed_) : name;
        items += (items.empty() ? "" : ", ") + sql + " AS " + qi(alias);
        ColumnInfo ci;
        ci.name = name;
        ci.type = ty.known ? ty.t : mk(TypeId::Int);
        ci.nullable = ty.nullable;
        cols.push_back(ci);
        kn.push_back(ty.known);
        scope.select_aliases.emplace_back(alias, sql);
    };
    for (const auto &it : s.items) {
        if (it.expr->k == Expr::K::Star) {
            bool any = false;
            for (const auto &src : scope.sources) {
                if (!it.expr->parts.empty() && !ieq(src.alias, it.expr->parts.back()))
                    continue;
                for (const auto &c : src.cols) {
                    add_item(qi(src.alias) + "." + qi(c.name), c.name, c.ty);
                    any = true;
                }
            }
            if (!any) {
                if (it.expr->parts.empty())
                    throw sql_error(263, 1, 16, "Must specify table to select from.");
                throw sql_error(4104, 1, 16,
                                "The multi-part identifier \"" + it.expr->parts.back() +
                                    "\" could not be bound.");
            }
            continue;
        }
        Ty ty;
        std::string sql = expr(*it.expr, &ty);
        std::string name = it.alias;
        if (name.empty() && it.expr->k == Expr::K::Column)
            name = it.expr->parts.back();
        if (!it.assign_var.empty())
            name = it.assign_var;
        add_item(sql, name, ty);
    }
    std::string out = "SELECT " + std::string(s.distinct ? "DISTINCT " : "") + items;
    if (!from.empty())
        out += " FROM " + from;
    if (s.where)
        out += " WHERE " + condition_sql(*this, *s.where);
    if (!s.group_by.empty()) {
        out += " GROUP BY ";
        for (size_t i = 0; i < s.group_by.size(); ++i)
            out += (i ? ", " : "") + expr(*s.group_by[i]);
    }
    if (s.having)
        out += " HAVING " + condition_sql(*this, *s.having);
    if (s.top && s.next == nullptr && false)
        out += "";
    return out;
}

std::string Codegen::table_ref(const TableRef &r, Scope &scope) {
    switch (r.k) {
    case TableRef::K::Table: {
        if (r.name.size() == 1) {
            if (const CteDef *cte = find_cte(r.name[0])) {
                std::string alias = r.alias.empty() ? r.name[0] : r.alias;
                scope.sources.push_back({alias, cte->cols});
                return qi(r.name[0]) + " AS " + qi(alias);
            }
        }
        TableMeta t = resolve_table(r.name);
        if (ctx_.on_read && ctx_.depth == 0)
            ctx_.on_read(t);
        std::string alias = r.alias.empty() ? r.name.back() : r.alias;
        Source src{alias, {}};
        if (t.is_view) {
            CompiledSelect body = expand_view(t);
            for (size_t i = 0; i < body.columns.size(); ++i)
                src.cols.push_back({body.columns[i].name,
                                    Ty{body.columns[i].type, static_cast<bool>(body.known[i]),
                                       body.columns[i].nullable}});
            scope.sources.push_back(src);
            return "(" + body.sql + ") AS " + qi(alias);
        }
        for (const auto &c : t.columns)
            src.cols.push_back({c.name, Ty{c.type, true, c.nullable}});
        scope.sources.push_back(src);
        return qi(t.sqlite_name) + " AS " + qi(alias);
    }
    case TableRef::K::Derived: {
        CompiledSelect sub = select(*r.select);
        if (r.alias.empty())
            throw syntax_error(")");
        Source src{r.alias, {}};
        std::string sql = "(" + sub.sql + ")";
        if (!r.column_aliases.empty()) {
            std::string proj;
            for (size_t i = 0; i < sub.columns.size() && i < r.column_aliases.size(); ++i)
                proj += (i ? ", " : "") + std::string("column") + std::to_string(i + 1);
            // Re-alias by position through a wrapping select.
            std::string wrap = "SELECT ";
            for (size_t i = 0; i < sub.columns.size(); ++i) {
                std::string inner = sub.columns[i].name.empty() ? "" : sub.columns[i].name;
                (void)inner;
            }
            (void)proj;
            (void)wrap;
        }
        for (size_t i = 0; i < sub.columns.size(); ++i) {
            std::string n = i < r.column_aliases.size() ? r.column_aliases[i] : sub.columns[i].name;
            if (n.empty())
                throw sql_error(8155, 2, 16,
                                "No column name was specified for column " + std::to_string(i + 1) +
                                    " of '" + r.alias + "'.");
            src.cols.push_back({n, Ty{sub.columns[i].type, static_cast<bool>(sub.known[i]),
                                      sub.columns[i].nullable}});
        }
        scope.sources.push_back(src);
        if (!r.column_aliases.empty()) {
            // SQLite: name the derived columns through a CTE-like wrapper.
            std::string cols;
            for (const auto &c : src.cols)
                cols += (cols.empty() ? "" : ", ") + qi(c.name);
            std::string inner_names;
            std::string wrapped = "(SELECT ";
            // positional rename via a VALUES-free trick: select * from (sub) with aliases
            wrapped = "(WITH " + qi("$d" + r.alias) + "(" + cols + ") AS " + sql +
                      " SELECT * FROM " + qi("$d" + r.alias) + ")";
            return wrapped + " AS " + qi(r.alias);
        }
        return sql + " AS " + qi(r.alias);
    }
    case TableRef::K::Values: {
        std::string rows;
        std::vector<Ty> tys;
        for (size_t i = 0; i < r.rows.size(); ++i) {
            std::string row;
            for (size_t j = 0; j < r.rows[i].size(); ++j) {
                Ty ty;
                row += (j ? ", " : "") + expr(*r.rows[i][j], &ty);
                if (i == 0)
                    tys.push_back(ty);
            }
            rows += (i ? ", " : "") + std::string("(") + row + ")";
        }
        std::string alias = r.alias.empty() ? "$values" : r.alias;
        Source src{alias, {}};
        std::string proj;
        for (size_t j = 0; j < tys.size(); ++j) {
            std::string n = j < r.column_aliases.size() ? r.column_aliases[j]
                                                        : "column" + std::to_string(j + 1);
            src.cols.push_back({n, tys[j]});
            proj +=
                (j ? ", " : "") + std::string("column") + std::to_string(j + 1) + " AS " + qi(n);
        }
        scope.sources.push_back(src);
        return "(SELECT " + proj + " FROM (VALUES " + rows + ")) AS " + qi(alias);
    }
    case TableRef::K::Join: {
        std::string l = table_ref(*r.left, scope);
        std::string rr = table_ref(*r.right, scope);
        std::string kind = r.join == "CROSS"   ? "CROSS JOIN"
                           : r.join == "INNER" ? "JOIN"
                                               : r.join + " JOIN";
        std::string out = l + " " + kind + " " + rr;
        if (r.on)
            out += " ON " + condition_sql(*this, *r.on);
        return out;
    }
    case TableRef::K::Function:
        if (r.func->parts.size() == 2 && ieq(r.func->parts[0], "sys") &&
            ieq(r.func->parts[1], "dm_db_log_stats"))
            return dm_db_log_stats(r, scope);
        if (!r.func->parts.empty() &&
            (r.func->parts.size() == 1 || ieq(r.func->parts[r.func->parts.size() - 2], "sys")) &&
            (ieq(r.func->parts.back(), "fn_dblog") || ieq(r.func->parts.back(), "fn_dump_dblog")))
            return fn_dblog(r, scope);
        if (r.func->parts.size() >= 2 && ieq(r.func->parts[r.func->parts.size() - 2], "cdc")) {
            std::string n = r.func->parts.back();
            for (auto &ch : n)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (n.rfind("fn_cdc_get_all_changes_", 0) == 0 ||
                n.rfind("fn_cdc_get_net_changes_", 0) == 0)
                return cdc_changes(r, scope);
        }
        if (!r.func->parts.empty())
            user_function(r.func->parts, true);
        throw sql_error(208, 1, 16, "Invalid object name '" + r.func->text + "'.");
    }
    return "";
}

// cdc.fn_cdc_get_all_changes_<ci>(from_lsn, to_lsn, N'all' | N'all update old') and
// cdc.fn_cdc_get_net_changes_<ci>(from_lsn, to_lsn, N'all' | N'all with mask' | N'all with merge')
// over the change table cdc.<ci>_CT. sim_cdc_range raises 313 for a range outside
// [fn_cdc_get_min_lsn(ci), fn_cdc_get_max_lsn()] before any row is read.
std::string Codegen::cdc_changes(const TableRef &r, Scope &scope) {
    const std::string fname = r.func->parts.back();
    const bool net = fname.size() > 11 && (fname[11] == 'n' || fname[11] == 'N');
    const std::string ci = fname.substr(std::string("fn_cdc_get_all_changes_").size());
    const std::string shown = "cdc." + fname;
    auto ct = find_table(ctx_.db, ctx_.current, "cdc", ci + "_CT");
    std::vector<std::string> key;
    if (ct) {
        Stmt q(ctx_.db, "SELECT ic.column_name FROM " +
                            qi(sqlite_table_name(ctx_.current.name, "cdc", "index_columns")) +
                            " ic JOIN " +
                            qi(sqlite_table_name(ctx_.current.name, "cdc", "change_tables")) +
                            " c ON c.object_id = ic.object_id WHERE c.capture_instance = ? AND "
                            "c.supports_net_changes = 1 ORDER BY ic.index_ordinal");
        q.bind(1, ci);
        while (q.step())
            key.push_back(q.text_col(0));
    }
    if (!ct || (net && key.empty()))
        throw sql_error(208, 1, 16, "Invalid object name '" + shown + "'.");
    if (r.func->args.size() < 3)
        throw sql_error(313, 3, 16,
                        "An insufficient number of arguments were supplied for the procedure "
                        "or function " +
                            shown + ".");
    if (r.func->args.size() > 3)
        throw sql_error(8144, 2, 16,
                        "Procedure or function " + shown + " has too many arguments specified.");
    std::string from = expr(*r.func->args[0]), to = expr(*r.func->args[1]);
    std::string opt = "lower(" + expr(*r.func->args[2]) + ")";
    std::string prefix = net ? "cdc.fn_cdc_get_net_changes_" : "cdc.fn_cdc_get_all_changes_";
    std::string alias = r.alias.empty() ? fname : r.alias;
    Source src{alias, {}};
    auto col = [&](const std::string &n, SqlType t, bool nullable) {
        src.cols.push_back({n, Ty{t, true, nullable}});
    };
    col("__$start_lsn", mk(TypeId::Binary, 10), false);
    if (!net)
        col("__$seqval", mk(TypeId::Binary, 10), false);
    col("__$operation", mk(TypeId::Int), false);
    col("__$update_mask", mk(TypeId::VarBinary, 128), true);
    std::string cols;
    for (const auto &c : ct->columns) {
        if (c.name.rfind("__$", 0) == 0)
            continue;
        col(c.name, c.type, true);
        cols += ", t." + qi(c.name) + " AS " + qi(c.name);
    }
    scope.sources.push_back(src);
    std::string base =
        " FROM (SELECT sim_cdc_range(" + std::to_string(ctx_.current.id) + ", " + ql(ci) + ", " +
        from + ", " + to + ", " + ql(prefix) + ") AS ok) AS chk CROSS JOIN " + qi(ct->sqlite_name) +
        " AS t WHERE t.\"__$start_lsn\" >= " + from + " AND t.\"__$start_lsn\" <= " + to;
    if (!net)
        return "(SELECT t.\"__$start_lsn\" AS \"__$start_lsn\", t.\"__$seqval\" AS "
               "\"__$seqval\", t.\"__$operation\" AS \"__$operation\", t.\"__$update_mask\" AS "
               "\"__$update_mask\"" +
               cols + base + " AND (t.\"__$operation\" <> 3 OR " + opt +
               " = 'all update old') ORDER BY t.\"__$start_lsn\", t.\"__$seqval\", "
               "t.\"__$operation\") AS " +
               qi(alias);
    std::string part;
    for (const auto &k : key)
        part += (part.empty() ? "" : ", ") + std::string("t.") + qi(k);
    std::string inner = "SELECT t.*, ROW_NUMBER() OVER (PARTITION BY " + part +
                        " ORDER BY t.\"__$start_lsn\" DESC, t.\"__$seqval\" DESC, "
                        "t.\"__$operation\" DESC) AS \"$rn\", FIRST_VALUE(t.\"__$operation\") "
                        "OVER (PARTITION BY " +
                        part +
                        " ORDER BY t.\"__$start_lsn\", t.\"__$seqval\", t.\"__$operation\") AS "
                        "\"$first\"" +
                        base + " AND t.\"__$operation\" <> 3";
    std::string op = "CASE WHEN t.\"__$operation\" = 1 THEN 1 WHEN " + opt +
                     " = 'all with merge' THEN 5 WHEN t.\"$first\" = 2 THEN 2 ELSE 4 END";
    return "(SELECT t.\"__$start_lsn\" AS \"__$start_lsn\", " + op +
           " AS \"__$operation\", CASE WHEN " + opt + " = 'all with mask' AND (" + op +
           ") = 4 THEN t.\"__$update_mask\" END AS \"__$update_mask\"" + cols + " FROM (" + inner +
           ") AS t WHERE t.\"$rn\" = 1 AND NOT (t.\"__$operation\" = 1 AND t.\"$first\" = 2)) AS " +
           qi(alias);
}

// sys.fn_dblog(@start, @end) and sys.fn_dump_dblog(@start, @end, N'DISK', 1, N'file', DEFAULT
// x 63): the physical log of the current database ("$dblog", dblog.hpp) or of a log backup file
// (loaded into a TEMP table first), as a subquery whose LSN bounds are constants on the table's
// key, so a start LSN near the end reads only the tail.
std::string Codegen::fn_dblog(const TableRef &r, Scope &scope) {
    const bool dump = ieq(r.func->parts.back(), "fn_dump_dblog");
    const std::string shown = dump ? "fn_dump_dblog" : "fn_dblog";
    const size_t want = dump ? 68 : 2;
    if (r.func->args.size() != want)
        throw sql_error(216, 1, 16,
                        "Parameters were not supplied for the function '" + shown + "'.");
    auto bound = [&](const Expr &e, bool end) {
        if (e.k == Expr::K::Null || e.k == Expr::K::Default)
            return std::string(end ? "'ffffffff:ffffffff:ffff'" : "''");
        return "(SELECT sim_dblog_lsn_arg(" + expr(e) + ", " + (end ? "1" : "0") + "))";
    };
    std::string source = "\"$dblog\"";
    std::string where = "l.database_id = " + std::to_string(ctx_.current.id);
    if (dump) {
        const Expr &path = *r.func->args[4];
        if (path.k != Expr::K::Str && path.k != Expr::K::NStr)
            throw sql_error(50000, 1, 16,
                            "fn_dump_dblog: the simulator needs the backup file "
                            "as a string literal.");
        try {
            source = "temp." + qi(dblog_load_dump(ctx_.db, path.text));
        } catch (const std::exception &) {
            throw sql_error(3201, 2, 16,
                            "Cannot open backup device '" + path.text +
                                "'. Operating system error 2(The system cannot find the file "
                                "specified.).");
        }
        where = "1";
    }
    std::string alias = r.alias.empty() ? shown : r.alias;
    Source src{alias, {}};
    std::string proj;
    for (const auto &c : dblog_columns()) {
        src.cols.push_back({c.name, Ty{c.type, true, true}});
        proj += (proj.empty() ? "" : ", ") + c.expr + " AS " + qi(c.name);
    }
    scope.sources.push_back(src);
    return "(SELECT " + proj + " FROM " + source + " AS l WHERE " + where +
           " AND l.lsn >= " + bound(*r.func->args[0], false) +
           " AND l.lsn <= " + bound(*r.func->args[1], true) +
           " ORDER BY l.database_id, l.lsn) AS " + qi(alias);
}

// sys.dm_db_log_stats(database_id): the log's summary for one database (NULL or DEFAULT: the
// current one). log_end_lsn is the last LSN handed out (one counter serves every database here,
// so it is at or after the database's own last record, and every later change is above it); LSNs
// print as SQL Server does (vlf:block:slot, hex).
std::string Codegen::dm_db_log_stats(const TableRef &r, Scope &scope) {
    if (r.func->args.size() > 1)
        throw sql_error(174, 1, 15, "The dm_db_log_stats function requires 1 argument(s).");
    std::string id = std::to_string(ctx_.current.id);
    if (!r.func->args.empty() && r.func->args[0]->k != Expr::K::Null)
        id = "coalesce(" + expr(*r.func->args[0]) + ", " + id + ")";
    auto lsn_text = [](const std::string &b) {
        return "lower(hex(substr(" + b + ", 1, 4)) || ':' || hex(substr(" + b +
               ", 5, 4)) || ':' || hex(substr(" + b + ", 9, 2)))";
    };
    const std::string first =
        "(SELECT sim_lsn_bin(MIN(lsn)) FROM \"$dblog\" WHERE database_id = d.database_id)";
    std::string alias = r.alias.empty() ? "dm_db_log_stats" : r.alias;
    Source src{alias, {}};
    auto col = [&](const char *n, SqlType t, bool nullable) {
        src.cols.push_back({n, Ty{t, true, nullable}});
    };
    col("database_id", mk(TypeId::Int), false);
    col("recovery_model", mk(TypeId::NVarChar, 60), false);
    col("log_min_lsn", mk(TypeId::NVarChar, 24), true);
    col("log_end_lsn", mk(TypeId::NVarChar, 24), true);
    col("log_truncation_holdup_reason", mk(TypeId::NVarChar, 60), true);
    scope.sources.push_back(src);
    return "(SELECT d.database_id AS database_id, CASE d.recovery_model WHEN 1 THEN 'FULL' "
           "WHEN 2 THEN 'BULK_LOGGED' ELSE 'SIMPLE' END AS recovery_model, " +
           lsn_text("coalesce(" + first + ", sim_current_lsn())") + " AS log_min_lsn, " +
           lsn_text("sim_current_lsn()") +
           " AS log_end_lsn, (SELECT w.log_reuse_wait_desc FROM (SELECT " +
           log_reuse_wait_sql("x") +
           " FROM \"$databases\" x WHERE x.database_id = d.database_id) w) AS "
           "log_truncation_holdup_reason FROM \"$databases\" d WHERE d.database_id = " +
           id + ") AS " + qi(alias);
}

// ---- expressions -----------------------------------------------------------------------------

std::string Codegen::column(const Expr &e, Ty *type) {
    const std::string &name = e.parts.back();
    std::string qual = e.parts.size() >= 2 ? e.parts[e.parts.size() - 2] : "";
    std::string shown;
    for (size_t i = 0; i < e.parts.size(); ++i)
        shown += (i ? "." : "") + e.parts[i];
    for (auto sc = scopes_.rbegin(); sc != scopes_.rend(); ++sc) {
        const Source *found = nullptr;
        const SourceCol *col = nullptr;
        int matches = 0;
        for (const auto &src : sc->sources) {
            if (!qual.empty() && !ieq(src.alias, qual))
                continue;
            for (const auto &c : src.cols) {
                if (ieq(c.name, name)) {
                    if (!found || found != &src)
                        ++matches;
                    found = &src;
                    col = &c;
                    break;
                }
            }
        }
        if (matches > 1)
            throw sql_error(209, 1, 16, "Ambiguous column name '" + name + "'.");
        if (found) {
            if (type)
                *type = col->ty;
            return qi(found->alias) + "." + qi(col->name);
        }
        if (qual.empty()) {
            for (const auto &[alias, sql] : sc->select_aliases)
                if (ieq(alias, name)) {
                    if (type)
                        *type = Ty{};
                    return qi(alias);
                }
        }
    }
    if (!qual.empty()) {
        bool alias_known = false;
        for (const auto &sc : scopes_)
            for (const auto &src : sc.sources)
                alias_known = alias_known || ieq(src.alias, qual);
        if (!alias_known)
            throw sql_error(4104, 1, 16,
                            "The multi-part identifier \"" + shown + "\" could not be bound.");
    }
    throw sql_error(207, 1, 16, "Invalid column name '" + name + "'.");
}

std::string Codegen::expr(const Expr &e, Ty *type) {
    Ty local;
    Ty &ty = type ? *type : local;
    ty = Ty{};
    switch (e.k) {
    case Expr::K::Null:
        return "NULL";
    case Expr::K::Int: {
        long long v = std::stoll(e.text);
        ty = known(mk(v >= INT32_MIN && v <= INT32_MAX ? TypeId::Int : TypeId::BigInt), false);
        return e.text;
    }
    case Expr::K::Num: {
        SqlType t;
        numeric_literal_type(e.text, t);
        ty = known(t, false);
        return ql(e.text) + " COLLATE SIM_DEC";
    }
    case Expr::K::Float:
        ty = known(mk(TypeId::Float), false);
        return e.text;
    case Expr::K::Str:
        ty = known(mk(TypeId::VarChar, std::max<int32_t>(1, static_cast<int32_t>(e.text.size()))),
                   false);
        return ql(e.text);
    case Expr::K::NStr:
        ty = known(mk(TypeId::NVarChar, std::max<int32_t>(1, static_cast<int32_t>(e.text.size()))),
                   false);
        return ql(e.text);
    case Expr::K::Bin:
        ty = known(
            mk(TypeId::VarBinary, std::max<int32_t>(1, static_cast<int32_t>(e.text.size() / 2))),
            false);
        return binary_literal(e.text);
    case Expr::K::Column:
        return column(e, &ty);
    case Expr::K::Var: {
        if (!ctx_.variables || !ctx_.variables->count(e.text))
            throw sql_error(137, 2, 15, "Must declare the scalar variable \"" + e.text + "\".");
        ty = known(ctx_.variables->at(e.text));
        return e.text; // bound by name before each step
    }
    case Expr::K::Global: {
        Value v = ctx_.global ? ctx_.global(e.text) : Value::null();
        if (e.text == "@@VERSION")
            ty = known(mk(TypeId::NVarChar, 300));
        else if (e.text == "@@SERVERNAME" || e.text == "@@LANGUAGE" || e.text == "@@SERVICENAME")
            ty = known(mk(TypeId::NVarChar, 128));
        else if (e.text == "@@SPID")
            ty = known(mk(TypeId::SmallInt));
        else if (e.text == "@@IDENTITY")
            ty = known(mk(TypeId::Numeric, 0, 38, 0));
        else if (e.text == "@@DBTS")
            ty = known(mk(TypeId::VarBinary, 8));
        else if (e.text == "@@MAX_PRECISION")
            ty = known(mk(TypeId::TinyInt));
        else
            ty = known(mk(TypeId::Int));
        switch (v.kind) {
        case Value::Kind::Int:
            return std::to_string(v.i);
        case Value::Kind::Text:
            return ql(v.s);
        case Value::Kind::Blob: {
            static const char *hx = "0123456789ABCDEF";
            std::string h;
            for (unsigned char c : v.s) {
                h += hx[c >> 4];
                h += hx[c & 15];
            }
            return "x'" + h + "'";
        }
        default:
            return "NULL";
        }
    }
    case Expr::K::Unary: {
        Ty in;
        std::string a = expr(*e.args[0], &in);
        if (e.text == "NOT") {
            ty = known(mk(TypeId::Bit));
            return "(NOT " + a + ")";
        }
        ty = in;
        return "(" + e.text + a + ")";
    }
    case Expr::K::Binary:
        return binary(e, &ty);
    case Expr::K::Func:
        return function(e, &ty);
    case Expr::K::Case: {
        std::string out = "CASE";
        size_t i = 0;
        if (e.case_has_operand)
            out += " " + expr(*e.args[i++]);
        size_t end = e.args.size() - (e.has_else ? 1 : 0);
        bool have = false;
        for (; i + 1 < end + 1 && i < end; i += 2) {
            Ty t;
            out += " WHEN " + expr(*e.args[i]) + " THEN " + expr(*e.args[i + 1], &t);
            if (t.known && (!have || type_rank(t.t.id) > type_rank(ty.t.id))) {
                ty = t;
                have = true;
            }
        }
        if (e.has_else) {
            Ty t;
            out += " ELSE " + expr(*e.args.back(), &t);
            if (t.known && (!have || type_rank(t.t.id) > type_rank(ty.t.id))) {
                ty = t;
                have = true;
            }
        }
        ty.nullable = true;
        return out + " END";
    }
    case Expr::K::Cast: {
        Ty src;
        std::string a = expr(*e.args[0], &src);
        ty = known(e.type);
        std::string from = src.known ? type_name(src.t.id) : "";
        std::string fn =
            (e.text == "TRY_CAST" || e.text == "TRY_CONVERT") ? "sim_try_conv" : "sim_conv";
        return fn + "(" + a + ", " + ql(type_to_string(e.type)) + ", " + ql(from) + ")";
    }
    case Expr::K::InList: {
        Ty lt;
        std::string out = expr(*e.args[0], &lt);
        out = "(" + out + (e.negated ? " NOT IN (" : " IN (");
        for (size_t i = 1; i < e.args.size(); ++i)
            out += (i > 1 ? ", " : "") + expr(*e.args[i]);
        ty = known(mk(TypeId::Bit));
        return out + "))";
    }
    case Expr::K::InSelect: {
        std::string l = expr(*e.args[0]);
        CompiledSelect sub = select(*e.select);
        ty = known(mk(TypeId::Bit));
        return "(" + l + (e.negated ? " NOT IN (" : " IN (") + sub.sql + "))";
    }
    case Expr::K::Exists: {
        CompiledSelect sub = select(*e.select);
        ty = known(mk(TypeId::Bit));
        return std::string(e.negated ? "NOT " : "") + "EXISTS (" + sub.sql + ")";
    }
    case Expr::K::Between: {
        std::string a = expr(*e.args[0]), lo = expr(*e.args[1]), hi = expr(*e.args[2]);
        ty = known(mk(TypeId::Bit));
        return "(" + a + (e.negated ? " NOT BETWEEN " : " BETWEEN ") + lo + " AND " + hi + ")";
    }
    case Expr::K::Like: {
        std::string a = expr(*e.args[0]), p = expr(*e.args[1]);
        std::string esc = e.args.size() > 2 ? ", " + expr(*e.args[2]) : "";
        ty = known(mk(TypeId::Bit));
        return std::string(e.negated ? "(NOT " : "(") + "sim_like(" + a + ", " + p + esc + "))";
    }
    case Expr::K::IsNull: {
        std::string a = expr(*e.args[0]);
        ty = known(mk(TypeId::Bit));
        return "(" + a + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    }
    case Expr::K::Subquery: {
        CompiledSelect sub = select(*e.select);
        if (!sub.columns.empty() && sub.known[0])
            ty = known(sub.columns[0].type);
        return "(" + sub.sql + ")";
    }
    case Expr::K::Star:
        return "*";
    case Expr::K::Default:
        return "NULL";
    }
    return "NULL";
}

std::string Codegen::binary(const Expr &e, Ty *type) {
    Ty lt, rt;
    std::string l = expr(*e.args[0], &lt), r = expr(*e.args[1], &rt);
    const std::string &op = e.text;
    if (op == "AND" || op == "OR") {
        *type = known(mk(TypeId::Bit));
        return "(" + l + " " + op + " " + r + ")";
    }
    if (op == "=" || op == "<>" || op == "<" || op == ">" || op == "<=" || op == ">=") {
        *type = known(mk(TypeId::Bit));
        // A bit compared with 'true'/'false' converts the string, as SQL Server does.
        auto fix_bool = [](const Ty &other, const Expr &lit, std::string &sql) {
            if (other.known && other.t.id == TypeId::Bit &&
                (lit.k == Expr::K::Str || lit.k == Expr::K::NStr)) {
                std::string u = upper(lit.text);
                if (u == "TRUE")
                    sql = "1";
                else if (u == "FALSE")
                    sql = "0";
            }
        };
        fix_bool(lt, *e.args[1], r);
        fix_bool(rt, *e.args[0], l);
        std::string coll;
        bool ls = lt.known && (is_string(lt.t.id) || lt.t.id == TypeId::UniqueIdentifier);
        bool rs = rt.known && (is_string(rt.t.id) || rt.t.id == TypeId::UniqueIdentifier);
        if (ls && rs)
            coll = " COLLATE SIM_CI";
        else if ((lt.known && is_temporal(lt.t.id)) || (rt.known && is_temporal(rt.t.id)))
            coll = " COLLATE SIM_DT";
        else if (lt.known && rt.known && is_exact_decimal(lt.t.id) && is_exact_decimal(rt.t.id))
            coll = " COLLATE SIM_DEC";
        // Numbers compared with numeric text (decimal storage) compare as numbers.
        if (lt.known && rt.known && is_numeric(lt.t.id) && is_numeric(rt.t.id) && coll.empty() &&
            (is_exact_decimal(lt.t.id) || is_exact_decimal(rt.t.id)))
            return "(sim_num(" + l + ") " + op + " sim_num(" + r + "))";
        return "(" + l + " " + (op == "<>" ? "<>" : op) + " " + r + coll + ")";
    }
    bool lstr = lt.known && is_string(lt.t.id), rstr = rt.known && is_string(rt.t.id);
    bool ltmp = lt.known && is_temporal(lt.t.id), rtmp = rt.known && is_temporal(rt.t.id);
    if (op == "+") {
        if ((lstr || !lt.known) && (rstr || !rt.known) && (lstr || rstr)) {
            bool uni = (lstr && is_unicode(lt.t.id)) || (rstr && is_unicode(rt.t.id));
            int32_t len = (lt.known && lt.t.length > 0 && rt.known && rt.t.length > 0)
                              ? std::min<int32_t>(lt.t.length + rt.t.length, uni ? 4000 : 8000)
                              : SqlType::kMax;
            *type = known(mk(uni ? TypeId::NVarChar : TypeId::VarChar, len));
            return "(" + l + " || " + r + ")";
        }
        if (!lt.known && !rt.known) {
            *type = Ty{};
            return "sim_add(" + l + ", " + r + ")";
        }
        if (ltmp || rtmp) {
            const Ty &dt = ltmp ? lt : rt;
            *type = known(dt.t);
            return "sim_dateadd('day', " + (ltmp ? r : l) + ", " + (ltmp ? l : r) + ", " +
                   ql(type_to_string(dt.t)) + ")";
        }
    }
    if (op == "-" && ltmp && !rtmp) {
        *type = known(lt.t);
        return "sim_dateadd('day', -(" + r + "), " + l + ", " + ql(type_to_string(lt.t)) + ")";
    }
    // Arithmetic: the operand type of higher precedence wins.
    Ty res = lt.known && (!rt.known || type_rank(lt.t.id) >= type_rank(rt.t.id)) ? lt : rt;
    if (res.known && is_string(res.t.id))
        res = known(mk(TypeId::Int));
    if (res.known && (res.t.id == TypeId::Decimal || res.t.id == TypeId::Numeric)) {
        uint8_t scale = std::max(lt.known ? lt.t.scale : 0, rt.known ? rt.t.scale : 0);
        if (op == "/" || op == "*")
            scale = static_cast<uint8_t>(std::min(38, scale + 6));
        res.t = mk(TypeId::Numeric, 0, 38, scale);
    }
    *type = res;
    if (op == "/" && res.known && is_integer(res.t.id))
        return "sim_intdiv(" + l + ", " + r + ")";
    if (op == "/")
        return "sim_div(" + l + ", " + r + ")";
    if (op == "%")
        return "sim_mod(" + l + ", " + r + ")";
    return "(" + l + " " + op + " " + r + ")";
}

std::string Codegen::function(const Expr &e, Ty *type) {
    const std::string &f = e.text;
    std::vector<std::string> a;
    std::vector<Ty> at;
    bool star = false;
    for (const auto &arg : e.args) {
        if (arg->k == Expr::K::Star) {
            star = true;
            a.push_back("*");
            at.push_back(Ty{});
            continue;
        }
        // DATEADD/DATEDIFF/DATEPART take the date part as a bare word.
        if ((f == "DATEADD" || f == "DATEDIFF" || f == "DATEPART" || f == "DATENAME" ||
             f == "DATEDIFF_BIG") &&
            a.empty()) {
            a.push_back(ql(upper(arg->text)));
            at.push_back(Ty{});
            continue;
        }
        Ty t;
        a.push_back(expr(*arg, &t));
        at.push_back(t);
    }
    auto join = [&](size_t from = 0) {
        std::string s;
        for (size_t i = from; i < a.size(); ++i)
            s += (i > from ? ", " : "") + a[i];
        return s;
    };
    auto argty = [&](size_t i) { return i < at.size() ? at[i] : Ty{}; };
    std::string over;
    if (e.over) {
        over = " OVER (";
        if (!e.partition.empty()) {
            over += "PARTITION BY ";
            for (size_t i = 0; i < e.partition.size(); ++i)
                over += (i ? ", " : "") + expr(*e.partition[i]);
        }
        if (!e.over_order.empty()) {
            over += (e.partition.empty() ? "" : " ") + std::string("ORDER BY ");
            for (size_t i = 0; i < e.over_order.size(); ++i) {
                const auto &o = e.over_order[i];
                bool null_order = o.expr->k == Expr::K::Subquery;
                over += (i ? ", " : "") + (null_order ? std::string("NULL") : expr(*o.expr)) +
                        (o.desc ? " DESC" : "");
            }
        }
        over += ")";
    }
    const std::string dist = e.distinct ? "DISTINCT " : "";
    Ty &ty = *type;
    auto str_of = [&](size_t i) {
        Ty t = argty(i);
        if (t.known && is_string(t.t.id))
            return t;
        return known(mk(TypeId::VarChar, 8000));
    };
    if (f == "COUNT") {
        ty = known(mk(TypeId::Int));
        return "count(" + dist + (star ? "*" : join()) + ")" + over;
    }
    if (f == "COUNT_BIG") {
        ty = known(mk(TypeId::BigInt));
        return "count(" + dist + (star ? "*" : join()) + ")" + over;
    }
    if (f == "SUM" || f == "AVG") {
        Ty t = argty(0);
        if (t.known &&
            (t.t.id == TypeId::Bit || t.t.id == TypeId::TinyInt || t.t.id == TypeId::SmallInt))
            t.t = mk(TypeId::Int);
        if (t.known && (t.t.id == TypeId::Decimal || t.t.id == TypeId::Numeric))
            t.t = mk(TypeId::Decimal, 0, 38,
                     f == "AVG" ? std::max<uint8_t>(t.t.scale, 6) : t.t.scale);
        ty = t;
        ty.nullable = true;
        if (f == "AVG" && t.known && is_integer(t.t.id))
            return "CAST(avg(" + dist + join() + ")" + over + " AS INTEGER)";
        return std::string(f == "SUM" ? "sum(" : "avg(") + dist + "sim_num(" + join() + "))" + over;
    }
    if (f == "MIN" || f == "MAX") {
        ty = argty(0);
        ty.nullable = true;
        return std::string(f == "MIN" ? "min(" : "max(") + join() + ")" + over;
    }
    if (f == "ROW_NUMBER" || f == "RANK" || f == "DENSE_RANK" || f == "NTILE") {
        ty = known(mk(TypeId::BigInt), false);
        std::string n = f == "ROW_NUMBER"   ? "row_number"
                        : f == "RANK"       ? "rank"
                        : f == "DENSE_RANK" ? "dense_rank"
                                            : "ntile";
        return n + "(" + join() + ")" + over;
    }
    if (f == "LAG" || f == "LEAD" || f == "FIRST_VALUE" || f == "LAST_VALUE") {
        ty = argty(0);
        std::string n = f == "LAG"           ? "lag"
                        : f == "LEAD"        ? "lead"
                        : f == "FIRST_VALUE" ? "first_value"
                                             : "last_value";
        return n + "(" + join() + ")" + over;
    }
    if (f == "ISNULL") {
        ty = argty(0).known ? argty(0) : argty(1);
        ty.nullable = argty(1).nullable;
        return "ifnull(" + join() + ")";
    }
    if (f == "COALESCE") {
        for (const auto &t : at)
            if (t.known) {
                ty = t;
                break;
            }
        return "coalesce(" + join() + ")";
    }
    if (f == "NULLIF") {
        ty = argty(0);
        return "nullif(" + join() + ")";
    }
    if (f == "IIF") {
        ty = argty(1).known ? argty(1) : argty(2);
        return "iif(" + join() + ")";
    }
    if (f == "LEN") {
        ty = known(mk(TypeId::Int));
        return "sim_len(" + join() + ")";
    }
    if (f == "DATALENGTH") {
        ty = known(mk(TypeId::Int));
        Ty t = argty(0);
        return "sim_datalength(" + join() + ", " + ql(t.known ? type_to_string(t.t) : "") + ")";
    }
    if (f == "UPPER" || f == "LOWER" || f == "LTRIM" || f == "RTRIM" || f == "TRIM" ||
        f == "REVERSE") {
        ty = str_of(0);
        std::string n = f == "UPPER"   ? "sim_upper"
                        : f == "LOWER" ? "sim_lower"
                        : f == "LTRIM" ? "ltrim"
                        : f == "RTRIM" ? "rtrim"
                        : f == "TRIM"  ? "trim"
                                       : "sim_reverse";
        return n + "(" + join() + ")";
    }
    if (f == "SUBSTRING" || f == "LEFT" || f == "RIGHT" || f == "REPLACE" || f == "REPLICATE" ||
        f == "STUFF" || f == "SPACE" || f == "CONCAT" || f == "QUOTENAME" || f == "STR" ||
        f == "FORMAT" || f == "CHAR" || f == "NCHAR" || f == "CONCAT_WS" || f == "STRING_AGG") {
        ty = f == "SPACE" || f == "STR" || f == "CHAR"           ? known(mk(TypeId::VarChar, 8000))
             : f == "NCHAR" || f == "QUOTENAME" || f == "FORMAT" ? known(mk(TypeId::NVarChar, 4000))
             : f == "CONCAT" || f == "CONCAT_WS" || f == "STRING_AGG"
                 ? known(mk(TypeId::NVarChar, SqlType::kMax))
                 : str_of(0);
        if (f == "REPLICATE" || f == "REPLACE" || f == "STUFF")
            ty.t.length = SqlType::kMax;
        std::string n = "sim_" + upper(f);
        for (auto &c : n)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (f == "STRING_AGG")
            return "group_concat(" + join() + ")";
        return n + "(" + join() + ")";
    }
    if (f == "CHARINDEX" || f == "PATINDEX" || f == "ASCII" || f == "UNICODE" || f == "ISNUMERIC" ||
        f == "ISDATE") {
        ty = known(mk(TypeId::Int));
        std::string n = "sim_" + upper(f);
        for (auto &c : n)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return n + "(" + join() + ")";
    }
    if (f == "ABS" || f == "ROUND" || f == "FLOOR" || f == "CEILING" || f == "SIGN") {
        ty = argty(0);
        std::string n = f == "ABS" ? "abs"
                                   : "sim_" + std::string(f == "ROUND"     ? "round"
                                                          : f == "FLOOR"   ? "floor"
                                                          : f == "CEILING" ? "ceiling"
                                                                           : "sign");
        return n + "(" + join() + ")";
    }
    if (f == "POWER" || f == "SQRT" || f == "LOG" || f == "EXP" || f == "PI" || f == "RAND" ||
        f == "LOG10" || f == "SQUARE") {
        ty = known(mk(TypeId::Float));
        std::string n = "sim_" + upper(f);
        for (auto &c : n)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return n + "(" + join() + ")";
    }
    if (f == "GETDATE" || f == "CURRENT_TIMESTAMP" || f == "GETUTCDATE") {
        ty = known(mk(TypeId::DateTime), false);
        return "sim_conv(sim_" + std::string(f == "GETUTCDATE" ? "utcnow" : "localnow") +
               "(), 'datetime', '')";
    }
    if (f == "SYSDATETIME" || f == "SYSUTCDATETIME") {
        ty = known(mk(TypeId::DateTime2, 0, 0, 7), false);
        return "sim_" + std::string(f == "SYSUTCDATETIME" ? "utcnow" : "localnow") + "()";
    }
    if (f == "SYSDATETIMEOFFSET") {
        ty = known(mk(TypeId::DateTimeOffset, 0, 0, 7), false);
        return "(sim_utcnow() || ' +00:00')";
    }
    if (f == "SWITCHOFFSET") {
        if (a.size() != 2)
            throw sql_error(174, 1, 15, "The switchoffset function requires 2 argument(s).");
        Ty t = argty(0);
        ty = known(mk(TypeId::DateTimeOffset, 0, 0,
                      t.known && t.t.id == TypeId::DateTimeOffset ? t.t.scale : 7));
        return "sim_switchoffset(" + join() + ", " + ql(type_to_string(ty.t)) + ")";
    }
    if (f == "DATEADD") {
        Ty t = argty(2);
        ty = t.known ? t : known(mk(TypeId::DateTime));
        if (t.known && is_string(t.t.id))
            ty = known(mk(TypeId::DateTime));
        return "sim_dateadd(" + join() + ", " + ql(type_to_string(ty.t)) + ")";
    }
    if (f == "DATEDIFF" || f == "DATEDIFF_BIG" || f == "DATEPART" || f == "YEAR" || f == "MONTH" ||
        f == "DAY") {
        ty = known(mk(f == "DATEDIFF_BIG" ? TypeId::BigInt : TypeId::Int));
        if (f == "YEAR" || f == "MONTH" || f == "DAY")
            return "sim_datepart(" + ql(f) + ", " + join() + ")";
        if (f == "DATEPART")
            return "sim_datepart(" + join() + ")";
        return "sim_datediff(" + join() + ")";
    }
    if (f == "DATENAME") {
        ty = known(mk(TypeId::NVarChar, 30));
        return "CAST(sim_datepart(" + join() + ") AS TEXT)";
    }
    if (f == "EOMONTH") {
        ty = known(mk(TypeId::Date));
        return "sim_eomonth(" + join() + ")";
    }
    if (f == "EVENTDATA") {
        if (!a.empty())
            throw sql_error(174, 1, 15, "The eventdata function requires 0 argument(s).");
        ty = known(mk(TypeId::Xml), true);
        return "sim_eventdata()";
    }
    if (f == "SIM$XML_VALUE") {
        ty = known(mk(TypeId::NVarChar, SqlType::kMax), true);
        return "sim_xml_value(" + join() + ")";
    }
    if (f == "NEWID" || f == "NEWSEQUENTIALID") {
        ty = known(mk(TypeId::UniqueIdentifier), false);
        return "sim_newid()";
    }
    if (f == "HASHBYTES") {
        ty = known(mk(TypeId::VarBinary, 8000));
        return "sim_hashbytes(" + join() + ")";
    }
    if (f == "CHECKSUM" || f == "BINARY_CHECKSUM") {
        ty = known(mk(TypeId::Int));
        return "sim_checksum(" + join() + ")";
    }
    if (f == "SCOPE_IDENTITY" || f == "IDENT_CURRENT") {
        ty = known(mk(TypeId::Numeric, 0, 38, 0));
        return f == "SCOPE_IDENTITY" ? ctx_.global("@@IDENTITY").kind == Value::Kind::Int
                                           ? std::to_string(ctx_.global("@@IDENTITY").i)
                                           : std::string("NULL")
                                     : "sim_ident_current(" + join() + ")";
    }
    static const std::pair<const char *, size_t> arity[] = {{"COLUMNPROPERTY", 3},
                                                            {"OBJECTPROPERTY", 2},
                                                            {"TYPE_NAME", 1},
                                                            {"TYPE_ID", 1},
                                                            {"COL_NAME", 2}};
    for (const auto &[n, count] : arity)
        if (f == n && a.size() != count) {
            std::string lower = n;
            for (auto &c : lower)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            throw sql_error(174, 1, 15,
                            "The " + lower + " function requires " + std::to_string(count) +
                                " argument(s).");
        }
    static const char *names128[] = {
        "DB_NAME",        "SCHEMA_NAME", "OBJECT_NAME",  "SUSER_SNAME",
        "SUSER_NAME",     "USER_NAME",   "HOST_NAME",    "APP_NAME",
        "ORIGINAL_LOGIN", "TYPE_NAME",   "COL_NAME",     "OBJECT_SCHEMA_NAME",
        "CURRENT_USER",   "SYSTEM_USER", "SESSION_USER", "USER"};
    for (const char *n : names128)
        if (f == n) {
            ty = known(mk(TypeId::NVarChar, 128));
            std::string fn = "sim_" + upper(f);
            for (auto &c : fn)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return fn + "(" + join() + ")";
        }
    static const char *ints[] = {"DB_ID",
                                 "OBJECT_ID",
                                 "SCHEMA_ID",
                                 "TYPE_ID",
                                 "IS_SRVROLEMEMBER",
                                 "IS_MEMBER",
                                 "HAS_DBACCESS",
                                 "COLUMNPROPERTY",
                                 "OBJECTPROPERTY",
                                 "SUSER_ID",
                                 "USER_ID",
                                 "HAS_PERMS_BY_NAME",
                                 "DATABASE_PRINCIPAL_ID"};
    for (const char *n : ints)
        if (f == n) {
            ty = known(mk(TypeId::Int));
            std::string fn = "sim_" + upper(f);
            for (auto &c : fn)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return fn + "(" + join() + ")";
        }
    if (f == "SERVERPROPERTY" || f == "DATABASEPROPERTYEX" || f == "SQL_VARIANT_PROPERTY") {
        ty = known(mk(TypeId::SqlVariant));
        std::string fn = "sim_" + upper(f);
        for (auto &c : fn)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return fn + "(" + join() + ")";
    }
    if (f == "SUSER_SID") {
        ty = known(mk(TypeId::VarBinary, 85));
        return "x'01'";
    }
    if (const std::string fb = f.substr(f.rfind('.') == std::string::npos ? 0 : f.rfind('.') + 1);
        fb.rfind("FN_CDC_", 0) == 0 &&
        (e.parts.size() < 2 || ieq(e.parts[e.parts.size() - 2], "sys"))) {
        const std::string db = std::to_string(ctx_.current.id);
        auto need = [&](size_t n) {
            if (a.size() != n)
                throw sql_error(313, 3, 16,
                                "An insufficient number of arguments were supplied for the "
                                "procedure or function " +
                                    f + ".");
        };
        ty = known(mk(TypeId::Binary, 10));
        if (fb == "FN_CDC_GET_MIN_LSN") {
            need(1);
            return "sim_cdc_min_lsn(" + db + ", " + a[0] + ")";
        }
        if (fb == "FN_CDC_GET_MAX_LSN") {
            need(0);
            return "sim_cdc_max_lsn(" + db + ")";
        }
        if (fb == "FN_CDC_INCREMENT_LSN" || fb == "FN_CDC_DECREMENT_LSN") {
            need(1);
            return "sim_cdc_lsn_add(" + a[0] + ", " + (fb == "FN_CDC_INCREMENT_LSN" ? "1" : "-1") +
                   ")";
        }
        if (fb == "FN_CDC_MAP_LSN_TO_TIME") {
            need(1);
            ty = known(mk(TypeId::DateTime));
            return "sim_cdc_map_lsn_to_time(" + db + ", " + a[0] + ")";
        }
        if (fb == "FN_CDC_MAP_TIME_TO_LSN") {
            need(2);
            return "sim_cdc_map_time_to_lsn(" + db + ", " + a[0] + ", " + a[1] + ")";
        }
    }
    if (f == "OBJECT_DEFINITION") {
        ty = known(mk(TypeId::NVarChar, SqlType::kMax));
        return "sim_object_definition(" + join() + ")";
    }
    if (e.parts.size() >= 2)
        user_function(e.parts, false);
    throw sql_error(195, 10, 15, "'" + f + "' is not a recognized built-in function name.");
}

Ty Codegen::infer(const Expr &e) {
    Ty t;
    expr(e, &t);
    return t;
}

std::string Codegen::expr_on_table(const Expr &e, const TableMeta &t, const std::string &alias,
                                   Ty *type) {
    push_table_scope(t, alias);
    std::string s = expr(e, type);
    pop_scope();
    return s;
}

void Codegen::push_table_scope(const TableMeta &t, const std::string &alias) {
    scopes_.emplace_back();
    Source src{alias, {}};
    for (const auto &c : t.columns)
        src.cols.push_back({c.name, Ty{c.type, true, c.nullable}});
    scopes_.back().sources.push_back(src);
}

std::string Codegen::from_list(const std::vector<TableRefPtr> &refs) {
    std::string out;
    for (size_t i = 0; i < refs.size(); ++i)
        out += (i ? ", " : "") + table_ref(*refs[i], scopes_.back());
    return out;
}

void Codegen::pop_scope() {
    scopes_.pop_back();
}

Translated translate_table_expr(const Expr &e, const std::vector<ColumnMeta> &cols) {
    CodegenContext ctx;
    ctx.global = [](const std::string &) { return Value::null(); };
    Codegen g(ctx);
    TableMeta scope;
    scope.columns = cols;
    g.push_table_scope(scope, "$t");
    Ty ty;
    std::string sql = g.expr(e, &ty);
    g.pop_scope();
    // Generated columns refer to their siblings without a table qualifier.
    const std::string prefix = "\"$t\".";
    for (size_t at; (at = sql.find(prefix)) != std::string::npos;)
        sql.erase(at, prefix.size());
    Translated out{sql, std::nullopt};
    if (ty.known)
        out.type = ty.t;
    return out;
}

std::string render_tsql(const Expr &e) {
    switch (e.k) {
    case Expr::K::Null:
        return "NULL";
    case Expr::K::Int:
    case Expr::K::Num:
    case Expr::K::Float:
        return "(" + e.text + ")";
    case Expr::K::Str:
    case Expr::K::NStr: {
        std::string q = e.k == Expr::K::NStr ? "N'" : "'";
        for (char c : e.text)
            q += c == '\'' ? std::string("''") : std::string(1, c);
        return q + "'";
    }
    case Expr::K::Bin:
        return "(0x" + e.text + ")";
    case Expr::K::Column:
        return "[" + e.parts.back() + "]";
    case Expr::K::Binary: {
        const bool word = !e.text.empty() && std::isalpha(static_cast<unsigned char>(e.text[0]));
        const std::string op = word ? " " + e.text + " " : e.text;
        return "(" + render_tsql(*e.args[0]) + op + render_tsql(*e.args[1]) + ")";
    }
    case Expr::K::Unary: {
        const bool word = !e.text.empty() && std::isalpha(static_cast<unsigned char>(e.text[0]));
        return e.text + (word ? " " : "") + render_tsql(*e.args[0]);
    }
    case Expr::K::IsNull:
        return "(" + render_tsql(*e.args[0]) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    case Expr::K::InList: {
        std::string s = "(" + render_tsql(*e.args[0]) + (e.negated ? " NOT IN (" : " IN (");
        for (size_t i = 1; i < e.args.size(); ++i)
            s += (i > 1 ? "," : "") + render_tsql(*e.args[i]);
        return s + "))";
    }
    case Expr::K::Between:
        return "(" + render_tsql(*e.args[0]) + (e.negated ? " NOT BETWEEN " : " BETWEEN ") +
               render_tsql(*e.args[1]) + " AND " + render_tsql(*e.args[2]) + ")";
    case Expr::K::Like:
        return "(" + render_tsql(*e.args[0]) + (e.negated ? " NOT LIKE " : " LIKE ") +
               render_tsql(*e.args[1]) +
               (e.args.size() > 2 ? " ESCAPE " + render_tsql(*e.args[2]) : std::string()) + ")";
    case Expr::K::Case: {
        std::string s = "CASE";
        size_t i = 0;
        if (e.case_has_operand)
            s += " " + render_tsql(*e.args[i++]);
        const size_t pairs_end = e.has_else ? e.args.size() - 1 : e.args.size();
        for (; i + 1 < e.args.size() && i < pairs_end; i += 2)
            s += " WHEN " + render_tsql(*e.args[i]) + " THEN " + render_tsql(*e.args[i + 1]);
        if (e.has_else)
            s += " ELSE " + render_tsql(*e.args.back());
        return s + " END";
    }
    case Expr::K::Func: {
        std::string s;
        for (size_t i = 0; i < e.args.size(); ++i)
            s += (i ? "," : "") + render_tsql(*e.args[i]);
        std::string n = e.text;
        for (auto &c : n)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return n + "(" + s + ")";
    }
    case Expr::K::Cast:
        return "CONVERT(" + type_to_string(e.type) + "," + render_tsql(*e.args[0]) + ")";
    default:
        return "(?)";
    }
}

} // namespace sim::sql
