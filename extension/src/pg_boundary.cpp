#include "pg_boundary.hpp"

#include <cstring>

namespace pgdts::detail {

namespace {
void copy_text(char *dst, size_t size, const char *src) noexcept {
    if (!src)
        src = "";
    std::strncpy(dst, src, size - 1);
    dst[size - 1] = '\0';
}

int sqlstate_code(const std::string &state) noexcept {
    if (state.size() != 5)
        return ERRCODE_INTERNAL_ERROR;
    return MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
}
} // namespace

ErrorData *run_guarded(void (*fn)(void *), void *arg) noexcept {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile edata = nullptr;
    PG_TRY();
    { fn(arg); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        edata = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return edata;
}

void fill_failure(FailureText &out, const dts::Error &e) noexcept {
    out.sqlerrcode = sqlstate_code(e.sqlstate);
    copy_text(out.message, sizeof out.message, e.what());
    copy_text(out.detail, sizeof out.detail, e.detail.c_str());
    copy_text(out.hint, sizeof out.hint, e.hint.c_str());
}

void fill_failure(FailureText &out, const char *message) noexcept {
    out.sqlerrcode = ERRCODE_INTERNAL_ERROR;
    copy_text(out.message, sizeof out.message, message);
}

void raise_failure(const FailureText &f) {
    ereport(ERROR, (errcode(f.sqlerrcode), errmsg_internal("%s", f.message),
                    f.detail[0] ? errdetail_internal("%s", f.detail) : 0,
                    f.hint[0] ? errhint("%s", f.hint) : 0));
    pg_unreachable();
}

} // namespace pgdts::detail
