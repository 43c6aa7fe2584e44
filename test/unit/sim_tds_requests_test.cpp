// Decoding of client requests by the simulator (MS-TDS 2.2.6.6 RPC, 2.2.6.7 SQL batch,
// 2.2.6.9 transaction manager, 2.2.5.3 ALL_HEADERS).
#include "tds/bytes.hpp"
#include "tds/requests.hpp"

#include <gtest/gtest.h>

using namespace sim;
using namespace sim::tds;

namespace {
// ALL_HEADERS with one transaction descriptor header.
std::string all_headers(uint64_t descriptor) {
    ByteWriter w;
    w.u32(22);
    w.u32(18);
    w.u16(2);
    w.u64(descriptor);
    w.u32(1);
    return w.buffer();
}
} // namespace

TEST(TdsRequests, SqlBatchTextFollowsAllHeaders) {
    std::string p = all_headers(0x1122334455667788ULL) + utf8_to_utf16le("select N'𝄞'");
    EXPECT_EQ(parse_sql_batch(p), "select N'𝄞'");
    ByteReader r(p);
    EXPECT_EQ(read_all_headers(r).transaction_descriptor, 0x1122334455667788ULL);
    EXPECT_EQ(r.pos(), 22u);
}

TEST(TdsRequests, RpcByProcIdWithTypedAndNullParameters) {
    ByteWriter w;
    w.bytes(all_headers(0));
    w.u16(0xFFFF);
    w.u16(10); // sp_executesql
    w.u16(0);  // OptionFlags
    // @stmt NVARCHAR(max) PLP
    w.b_varchar("");
    w.u8(0);
    w.u8(0xE7);
    w.u16(0xFFFF);
    w.bytes(std::string("\x09\x04\xD0\x00\x34", 5));
    std::string stmt = utf8_to_utf16le("select @a");
    w.u64(stmt.size());
    w.u32(static_cast<uint32_t>(stmt.size()));
    w.bytes(stmt);
    w.u32(0);
    // @a INTN(8) NULL, output
    w.b_varchar("@a");
    w.u8(1);
    w.bytes(std::string("\x26\x08\x00", 3));
    // @g GUID
    w.b_varchar("@g");
    w.u8(0);
    w.bytes(std::string("\x24\x10\x10", 3));
    w.bytes(std::string("\xFF\x19\x96\x6F\x86\x8B\x11\xD0\xB4\x2D\x00\xC0\x4F\xC9\x64\xFF", 16));
    // second call by name after the batch flag
    w.u8(0xFF);
    w.u16(9);
    w.bytes(utf8_to_utf16le("dbo.proc1"));
    w.u16(0);

    auto calls = parse_rpc(w.buffer());
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].proc, "sp_executesql");
    ASSERT_EQ(calls[0].params.size(), 3u);
    EXPECT_EQ(calls[0].params[0].value.s, "select @a");
    EXPECT_EQ(calls[0].params[0].type.id, TypeId::NVarChar);
    EXPECT_EQ(calls[0].params[0].type.length, SqlType::kMax);
    EXPECT_EQ(calls[0].params[1].name, "@a");
    EXPECT_TRUE(calls[0].params[1].output);
    EXPECT_TRUE(calls[0].params[1].value.is_null());
    EXPECT_EQ(calls[0].params[1].type.id, TypeId::BigInt);
    EXPECT_EQ(calls[0].params[2].value.s, "6F9619FF-8B86-D011-B42D-00C04FC964FF");
    EXPECT_EQ(calls[1].proc, "dbo.proc1");
    EXPECT_TRUE(calls[1].params.empty());
}

TEST(TdsRequests, WellKnownProcIds) {
    EXPECT_EQ(well_known_proc(1), "sp_cursor");
    EXPECT_EQ(well_known_proc(11), "sp_prepare");
    EXPECT_EQ(well_known_proc(12), "sp_execute");
    EXPECT_EQ(well_known_proc(13), "sp_prepexec");
    EXPECT_EQ(well_known_proc(15), "sp_unprepare");
    EXPECT_EQ(well_known_proc(16), "");
}

TEST(TdsRequests, TransactionManagerRequests) {
    ByteWriter begin;
    begin.bytes(all_headers(0));
    begin.u16(kTmBeginXact);
    begin.u8(0); // isolation level
    begin.u8(0); // name
    EXPECT_EQ(parse_tm(begin.buffer()).type, kTmBeginXact);

    ByteWriter commit;
    commit.bytes(all_headers(5));
    commit.u16(kTmCommitXact);
    commit.b_varchar("t1");
    commit.u8(1); // fBeginXact
    TmRequest t = parse_tm(commit.buffer());
    EXPECT_EQ(t.type, kTmCommitXact);
    EXPECT_TRUE(t.begin_new);

    ByteWriter rollback;
    rollback.bytes(all_headers(5));
    rollback.u16(kTmRollbackXact);
    rollback.u8(0);
    TmRequest r = parse_tm(rollback.buffer());
    EXPECT_EQ(r.type, kTmRollbackXact);
    EXPECT_FALSE(r.begin_new);
}
