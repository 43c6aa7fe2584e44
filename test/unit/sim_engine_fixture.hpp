// A SQL engine driven directly through Session with a recording sink, without sockets: the
// fixture the simulator's engine tests share.
#pragma once

#include "engine.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sim_test {

using namespace sim;

struct Recorder : ResultSink {
    std::vector<std::vector<ColumnInfo>> sets;
    std::vector<std::vector<std::vector<Value>>> rows;
    std::vector<Message> messages;
    std::vector<std::optional<uint64_t>> counts;
    void columns(const std::vector<ColumnInfo> &c) override {
        sets.push_back(c);
        rows.emplace_back();
    }
    bool row(const std::vector<Value> &v) override {
        rows.back().push_back(v);
        return true;
    }
    void end_statement(std::optional<uint64_t> c, bool) override { counts.push_back(c); }
    void message(const Message &m) override { messages.push_back(m); }
    void database_changed(const std::string &, const std::string &) override {}
    void transaction_began(uint64_t) override {}
    void transaction_ended(uint64_t, bool) override {}
    void return_value(const std::string &, const SqlType &, const Value &) override {}
    void return_status(int32_t) override {}
    bool cancelled() override { return false; }
    std::vector<int> errors() const {
        std::vector<int> out;
        for (const auto &m : messages)
            if (m.severity > 10)
                out.push_back(m.number);
        return out;
    }
};

class SqlEngine : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("sqlsim-unit-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        ServerSettings s;
        s.data_dir = dir_.string();
        s.logins = {LoginDef{"sa", "pw", true}, LoginDef{"reader", "rpw", false}};
        engine_ = open_engine(s);
        session_ = engine_->open_session(LoginInfo{"sa", "pw", "master", "unit", "host"});
        run("CREATE DATABASE u; USE u");
    }
    void TearDown() override {
        session_.reset();
        engine_.reset();
        std::filesystem::remove_all(dir_);
    }
    Recorder run(const std::string &sql) {
        Recorder r;
        session_->execute_batch(sql, r);
        return r;
    }
    std::filesystem::path dir_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<Session> session_;
};

// The rows of a result set as "a|b|NULL" lines, for compact comparisons.
inline std::vector<std::string> lines(const Recorder &r, size_t set = 0) {
    std::vector<std::string> out;
    if (set >= r.rows.size())
        return out;
    for (const auto &row : r.rows[set]) {
        std::string line;
        for (size_t i = 0; i < row.size(); ++i) {
            const Value &v = row[i];
            line += i ? "|" : "";
            line += v.kind == Value::Kind::Null  ? std::string("NULL")
                    : v.kind == Value::Kind::Int ? std::to_string(v.i)
                                                 : v.s;
        }
        out.push_back(line);
    }
    return out;
}

} // namespace sim_test
