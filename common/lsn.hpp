// SQL Server log sequence numbers: VLF sequence (4 bytes), log block offset (4 bytes) and slot
// (2 bytes), the binary(10) that CDC functions take and return, and the "00000027:000001a8:0003"
// text fn_dblog shows. Ordering is lexicographic on the three parts, which equals byte order of
// the big-endian binary(10).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dts {

struct Lsn {
    uint32_t vlf = 0;
    uint32_t block = 0;
    uint16_t slot = 0;

    auto operator<=>(const Lsn &) const = default;
    bool is_null() const { return vlf == 0 && block == 0 && slot == 0; }

    // binary(10), big-endian, as CDC returns it.
    std::string to_binary() const;
    static std::optional<Lsn> from_binary(std::string_view bytes);

    // "00000027:000001a8:0003" (fn_dblog's [Current LSN]).
    std::string to_log_string() const;
    // Accepts the fn_dblog form and the "0x00000027000001A80003" hex form of binary(10).
    static std::optional<Lsn> parse(std::string_view text);
    // The numeric(25,0) form msdb.dbo.backupset and the dm_tran views use: decimal VLF, then the
    // block as 10 and the slot as 5 decimal digits ("39000000042400001").
    static std::optional<Lsn> from_numeric(std::string_view digits);
    // "0x00000027000001A80003": a T-SQL binary literal.
    std::string to_hex_literal() const;

    // The next LSN in order, as sys.fn_cdc_increment_lsn: the smallest LSN greater than this.
    Lsn next() const;
    // The previous LSN, as sys.fn_cdc_decrement_lsn: the largest LSN smaller than this.
    Lsn prev() const;
};

} // namespace dts
