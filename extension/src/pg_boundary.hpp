// The PostgreSQL/C++ boundary. Two rules, each enforced by one helper here:
//
//  * pg_entry(): every SQL-callable function body runs inside it. C++ exceptions stop there and
//    become ereport(ERROR) only after every C++ frame with a destructor is gone.
//  * pg_call(): every call from C++ into PostgreSQL code that may ereport goes through it. The
//    longjmp is caught right at the call and re-thrown as a C++ PgException, so it never jumps
//    over live C++ destructors; pg_entry() turns it back into the original error.
#pragma once

#include "pg_prelude.hpp"

#include "error.hpp"

#include <exception>
#include <type_traits>
#include <utility>

namespace pgdts {

// A PostgreSQL error that happened under pg_call(), carried across C++ frames.
class PgException : public std::exception {
public:
    explicit PgException(ErrorData *edata) : edata_(edata) {}
    const char *what() const noexcept override {
        return edata_ && edata_->message ? edata_->message : "PostgreSQL error";
    }
    ErrorData *release() noexcept { return std::exchange(edata_, nullptr); }

private:
    ErrorData *edata_; // palloc'd in the caller's memory context by CopyErrorData()
};

namespace detail {
// Runs fn(arg) under PG_TRY; returns the copied error, or nullptr on success. Not a template so
// that no caller's locals share a frame with the setjmp.
ErrorData *run_guarded(void (*fn)(void *), void *arg) noexcept;
} // namespace detail

template <typename Func, typename... Args> auto pg_call(Func &&func, Args &&...args) {
    using Result = std::invoke_result_t<Func, Args...>;
    if constexpr (std::is_void_v<Result>) {
        auto call = [&]() { func(std::forward<Args>(args)...); };
        auto thunk = [](void *p) { (*static_cast<decltype(call) *>(p))(); };
        if (ErrorData *edata = detail::run_guarded(thunk, &call))
            throw PgException(edata);
    } else {
        Result result{};
        auto call = [&]() { result = func(std::forward<Args>(args)...); };
        auto thunk = [](void *p) { (*static_cast<decltype(call) *>(p))(); };
        if (ErrorData *edata = detail::run_guarded(thunk, &call))
            throw PgException(edata);
        return result;
    }
}

namespace detail {
// Plain buffers: they are all that is alive when ereport() longjmps out of pg_entry().
struct FailureText {
    int sqlerrcode = 0;
    char message[2048] = {};
    char detail[2048] = {};
    char hint[1024] = {};
};
void fill_failure(FailureText &out, const dts::Error &e) noexcept;
void fill_failure(FailureText &out, const char *message) noexcept;
[[noreturn]] void raise_failure(const FailureText &failure);
} // namespace detail

// Runs the body of an SQL-callable function. `body` returns a Datum.
template <typename Body> Datum pg_entry(Body &&body) {
    ErrorData *pg_error = nullptr;
    detail::FailureText failure;
    bool failed = false;
    try {
        return body();
    } catch (PgException &e) {
        pg_error = e.release();
    } catch (const dts::Error &e) {
        detail::fill_failure(failure, e);
        failed = true;
    } catch (const std::bad_alloc &) {
        detail::fill_failure(failure, "out of memory in pg_dts");
        failure.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
        failed = true;
    } catch (const std::exception &e) {
        detail::fill_failure(failure, e.what());
        failed = true;
    } catch (...) {
        detail::fill_failure(failure, "unexpected C++ exception in pg_dts");
        failed = true;
    }
    if (pg_error)
        ReThrowError(pg_error);
    if (failed)
        detail::raise_failure(failure);
    pg_unreachable();
}

} // namespace pgdts
