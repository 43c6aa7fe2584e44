#include "log_transactions.hpp"

#include "error.hpp"

#include <gtest/gtest.h>

using dts::Lsn;
using namespace dts::logrec;

namespace {

uint16_t next_slot = 1;

LogRow rec(uint64_t xact, const char *op, const char *payload = "", const char *desc = "") {
    LogRow r;
    r.lsn = Lsn{0x2a, 0x100, next_slot++};
    r.op = parse_operation(op);
    r.context = parse_context("LCX_CLUSTERED");
    r.xact = xact;
    r.alloc_unit = 72057594043170816;
    r.rc0 = payload;
    r.compensation = std::string(desc).find("COMPENSATION") != std::string::npos;
    return r;
}
LogRow begin(uint64_t xact, const char *name = "user_transaction") {
    LogRow r = rec(xact, "LOP_BEGIN_XACT");
    r.context = parse_context("LCX_NULL");
    r.xact_name = name;
    return r;
}

class AssemblerTest : public ::testing::Test {
protected:
    void SetUp() override { next_slot = 1; }
    Assembler a;
};

TEST_F(AssemblerTest, CommittedTransactionsComeOutInCommitOrder) {
    a.add(begin(1));
    a.add(rec(1, "LOP_INSERT_ROWS", "r1"));
    a.add(begin(2));
    a.add(rec(2, "LOP_DELETE_ROWS", "r2"));
    a.add(rec(1, "LOP_MODIFY_ROW", "r3"));
    a.add(rec(2, "LOP_COMMIT_XACT"));
    a.add(rec(1, "LOP_COMMIT_XACT"));
    ASSERT_EQ(a.committed().size(), 2u);
    EXPECT_EQ(a.committed()[0].xact, 2u);
    ASSERT_EQ(a.committed()[1].changes.size(), 2u);
    EXPECT_EQ(a.committed()[1].changes[0].rc0, "r1");
    EXPECT_EQ(a.committed()[1].changes[1].rc0, "r3");
    EXPECT_LT(a.committed()[0].commit, a.committed()[1].commit);
    EXPECT_EQ(a.buffered_records(), 0u);
}

TEST_F(AssemblerTest, AbortedWorkAndSystemTransactionsAreDropped) {
    a.add(begin(1));
    a.add(rec(1, "LOP_INSERT_ROWS", "gone"));
    a.add(rec(1, "LOP_DELETE_ROWS", "", "COMPENSATION"));
    a.add(rec(1, "LOP_ABORT_XACT"));
    a.add(begin(2, "SplitPage"));
    a.add(rec(2, "LOP_INSERT_ROWS", "moved"));
    a.add(rec(2, "LOP_COMMIT_XACT"));
    a.add(begin(3, "INSERT"));
    a.add(rec(3, "LOP_LOCK_XACT"));
    a.add(rec(3, "LOP_INSERT_ROWS", "kept"));
    a.add(rec(3, "LOP_COMMIT_XACT"));
    ASSERT_EQ(a.committed().size(), 1u);
    ASSERT_EQ(a.committed()[0].changes.size(), 1u);
    EXPECT_EQ(a.committed()[0].changes[0].rc0, "kept");
    EXPECT_EQ(a.committed()[0].name, "INSERT");
}

TEST_F(AssemblerTest, SavepointRollbackCancelsTheUndoneChangesOnly) {
    a.add(begin(7));
    a.add(rec(7, "LOP_INSERT_ROWS", "a"));
    a.add(rec(7, "LOP_INSERT_ROWS", "b"));
    a.add(rec(7, "LOP_MODIFY_ROW", "c"));
    a.add(rec(7, "LOP_MODIFY_ROW", "", "COMPENSATION"));
    a.add(rec(7, "LOP_DELETE_ROWS", "", "COMPENSATION"));
    a.add(rec(7, "LOP_DELETE_ROWS", "d"));
    a.add(rec(7, "LOP_COMMIT_XACT"));
    ASSERT_EQ(a.committed().size(), 1u);
    const auto &ch = a.committed()[0].changes;
    ASSERT_EQ(ch.size(), 2u);
    EXPECT_EQ(ch[0].rc0, "a");
    EXPECT_EQ(ch[1].rc0, "d");
}

TEST_F(AssemblerTest, CompensationOfAnotherKindFailsLoudly) {
    a.add(begin(7));
    a.add(rec(7, "LOP_INSERT_ROWS", "a"));
    EXPECT_THROW(a.add(rec(7, "LOP_MODIFY_ROW", "", "COMPENSATION")), dts::Error);
}

TEST_F(AssemblerTest, RestartPointIsTheOldestTransactionOpenAtTheAppliedCommit) {
    a.add(begin(1));
    const Lsn b1 = a.last_lsn().value();
    a.add(rec(1, "LOP_INSERT_ROWS", "x"));
    a.add(begin(2));
    a.add(rec(2, "LOP_INSERT_ROWS", "y"));
    a.add(rec(2, "LOP_COMMIT_XACT"));
    const Lsn c2 = a.last_lsn().value();
    EXPECT_EQ(a.restart_point(c2), b1); // 1 is still open at 2's commit
    a.add(rec(1, "LOP_COMMIT_XACT"));
    const Lsn c1 = a.last_lsn().value();
    EXPECT_EQ(a.restart_point(c2), b1); // 1 commits after c2: still needed from its begin
    EXPECT_EQ(a.restart_point(c1), c1);
}

TEST_F(AssemblerTest, ReReadRecordIsIgnoredAndDisorderRefused) {
    a.add(begin(1));
    LogRow again = begin(1);
    again.lsn = a.last_lsn().value();
    a.add(again);
    EXPECT_EQ(a.open_transactions(), 1u);
    LogRow old = begin(2);
    old.lsn = Lsn{0x2a, 0x50, 1};
    EXPECT_THROW(a.add(old), dts::Error);
}

TEST_F(AssemblerTest, TransactionBegunBeforeTheReaderStartIsMarkedIncomplete) {
    a.add(rec(9, "LOP_INSERT_ROWS", "tail"));
    a.add(rec(9, "LOP_COMMIT_XACT"));
    ASSERT_EQ(a.committed().size(), 1u);
    EXPECT_FALSE(a.committed()[0].complete);
}

TEST_F(AssemblerTest, CatalogChangesMarkDdl) {
    a.add(begin(4));
    LogRow cat = rec(4, "LOP_INSERT_ROWS", "syscolpars row");
    cat.catalog = true; // [AllocUnitName] sys.syscolpars.clst
    a.add(cat);
    a.add(rec(4, "LOP_INSERT_ROWS", "data"));
    a.add(rec(4, "LOP_COMMIT_XACT"));
    a.add(begin(5, "ALTER TABLE"));
    a.add(rec(5, "LOP_COMMIT_XACT"));
    a.add(begin(6, "INSERT"));
    a.add(rec(6, "LOP_COMMIT_XACT"));
    ASSERT_EQ(a.committed().size(), 3u);
    EXPECT_TRUE(a.committed()[0].is_ddl());
    EXPECT_EQ(a.committed()[0].changes.size(), 1u);
    EXPECT_TRUE(a.committed()[1].is_ddl());
    EXPECT_FALSE(a.committed()[2].is_ddl());
}

TEST(AssemblerSpill, LargeTransactionKeepsOnlyTheLsnsOfChangesInEffect) {
    next_slot = 1;
    Assembler a(3);
    a.add(begin(1));
    std::vector<Lsn> changes;
    for (int i = 0; i < 5; ++i) {
        a.add(rec(1, "LOP_INSERT_ROWS", "row"));
        changes.push_back(a.last_lsn().value());
    }
    EXPECT_EQ(a.buffered_records(), 0u);
    a.add(rec(1, "LOP_DELETE_ROWS", "", "COMPENSATION")); // undoes the fifth insert
    a.add(rec(1, "LOP_MODIFY_ROW", "m"));
    changes[4] = a.last_lsn().value();
    EXPECT_THROW(a.add(rec(1, "LOP_INSERT_ROWS", "", "COMPENSATION")), dts::Error);
    a.add(rec(1, "LOP_COMMIT_XACT"));
    ASSERT_EQ(a.committed().size(), 1u);
    const Transaction &t = a.committed()[0];
    EXPECT_TRUE(t.spilled);
    EXPECT_TRUE(t.changes.empty());
    EXPECT_EQ(t.kept, changes);
}

} // namespace

TEST(LogRowFields, OperationAndContextTexts) {
    EXPECT_EQ(parse_operation("LOP_INSERT_ROWS"), Op::Insert);
    EXPECT_EQ(parse_operation("LOP_DELETE_ROWS"), Op::Delete);
    EXPECT_EQ(parse_operation("LOP_MODIFY_ROW"), Op::Modify);
    EXPECT_EQ(parse_operation("LOP_MODIFY_COLUMNS"), Op::ModifyColumns);
    EXPECT_EQ(parse_operation("LOP_BEGIN_XACT"), Op::Begin);
    EXPECT_EQ(parse_operation("LOP_COMMIT_XACT"), Op::Commit);
    EXPECT_EQ(parse_operation("LOP_ABORT_XACT"), Op::Abort);
    EXPECT_EQ(parse_operation("LOP_FORMAT_PAGE"), Op::Other);
    EXPECT_EQ(parse_operation(""), Op::Other);
    for (Op op :
         {Op::Insert, Op::Delete, Op::Modify, Op::ModifyColumns, Op::Begin, Op::Commit, Op::Abort})
        EXPECT_EQ(parse_operation(operation_name(op)), op);
    EXPECT_EQ(parse_context("LCX_CLUSTERED"), Context::Clustered);
    EXPECT_EQ(parse_context("LCX_MARK_AS_GHOST"), Context::MarkAsGhost);
    EXPECT_EQ(parse_context("LCX_INDEX_INTERIOR"), Context::Other);
    EXPECT_EQ(parse_context("LCX_NULL"), Context::Other);
    EXPECT_EQ(parse_context(context_name(Context::Clustered)), Context::Clustered);
    EXPECT_EQ(parse_context(context_name(Context::MarkAsGhost)), Context::MarkAsGhost);
}

TEST(LogRowFields, OperationAndContextCodesComputedByTheSource) {
    EXPECT_EQ(operation_code_sql(),
              "CASE [Operation] WHEN N'LOP_BEGIN_XACT' THEN 1 WHEN N'LOP_COMMIT_XACT' THEN 2 WHEN "
              "N'LOP_ABORT_XACT' THEN 3 WHEN N'LOP_INSERT_ROWS' THEN 4 WHEN N'LOP_DELETE_ROWS' "
              "THEN 5 WHEN N'LOP_MODIFY_ROW' THEN 6 WHEN N'LOP_MODIFY_COLUMNS' THEN 7 ELSE 0 END");
    EXPECT_EQ(context_code_sql(), "CASE [Context] WHEN N'LCX_CLUSTERED' THEN 1 WHEN "
                                  "N'LCX_MARK_AS_GHOST' THEN 2 ELSE 0 END");
    for (Op op : {Op::Other, Op::Insert, Op::Delete, Op::Modify, Op::ModifyColumns, Op::Begin,
                  Op::Commit, Op::Abort})
        EXPECT_EQ(operation_from_code(static_cast<int64_t>(op)), op);
    for (Context c : {Context::Other, Context::Clustered, Context::MarkAsGhost})
        EXPECT_EQ(context_from_code(static_cast<int64_t>(c)), c);
    EXPECT_THROW(operation_from_code(8), dts::Error);
    EXPECT_THROW(operation_from_code(-1), dts::Error);
    EXPECT_THROW(context_from_code(3), dts::Error);
}
