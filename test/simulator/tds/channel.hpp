// One client socket: TDS packet framing, optional TLS (handshake carried in PRELOGIN packets, then
// raw TLS records), and a non-blocking look for an ATTENTION while results stream.
#pragma once

#include "packet.hpp"

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

namespace sim::tds {

struct TdsMessage {
    uint8_t type = 0;
    uint8_t status = 0;
    std::string payload;
};

class Channel {
public:
    explicit Channel(int fd);
    ~Channel();
    Channel(const Channel &) = delete;
    Channel &operator=(const Channel &) = delete;

    // Reads packets up to the one with EOM. Returns false on a clean close by the client.
    bool read_message(TdsMessage &m);
    // Sends `payload` as packets of `packet_size`; the last one carries EOM when `last`.
    void write_packets(uint8_t type, std::string_view payload, bool last);
    // True when an ATTENTION packet has arrived (consumed), or when the client has gone away (see
    // broken()). Never blocks waiting for the client to start a packet, and never throws: the
    // engine polls it from inside its own callbacks.
    bool attention_pending();
    // The connection failed (peer closed, I/O or TLS error); writes are dropped from then on.
    bool broken() const { return broken_; }

    void start_tls(SSL_CTX *ctx); // runs the handshake inside PRELOGIN packets
    void stop_tls();              // after a login-only handshake
    void set_packet_size(uint32_t n) { packet_size_ = n; }
    uint32_t packet_size() const { return packet_size_; }
    void set_spid(uint16_t spid) { spid_ = spid; }
    // Ends the connection from another thread (KILL): the reader sees the end of the stream.
    void shutdown();

private:
    size_t raw_read(char *buf, size_t n); // 0 at EOF
    void raw_write(const char *buf, size_t n);
    bool read_exact(char *buf, size_t n);
    void socket_write(const char *buf, size_t n);
    void drain_tls_output();

    int fd_;
    SSL *ssl_ = nullptr;
    BIO *rbio_ = nullptr; // owned by ssl_
    BIO *wbio_ = nullptr;
    bool tls_active_ = false;
    uint32_t packet_size_ = 4096;
    uint16_t spid_ = 0;
    uint8_t packet_id_ = 1;
    std::string pending_; // bytes read ahead while looking for an attention
    std::string wbuf_;    // framed packets of one write, reused to avoid per-write allocations
    bool broken_ = false;
};

} // namespace sim::tds
