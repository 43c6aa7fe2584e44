#include "channel.hpp"

#include "bytes.hpp"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sim::tds {

Channel::Channel(int fd) : fd_(fd) {}

void Channel::shutdown() {
    ::shutdown(fd_, SHUT_RDWR);
}

Channel::~Channel() {
    if (ssl_)
        SSL_free(ssl_);
    ::close(fd_);
}

void Channel::socket_write(const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd_, buf, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            throw ProtocolError(std::string("send failed: ") + std::strerror(errno));
        }
        buf += w;
        n -= static_cast<size_t>(w);
    }
}

void Channel::drain_tls_output() {
    char buf[16384];
    int n;
    while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0)
        socket_write(buf, static_cast<size_t>(n));
}

size_t Channel::raw_read(char *buf, size_t n) {
    if (!pending_.empty()) {
        size_t k = std::min(n, pending_.size());
        std::memcpy(buf, pending_.data(), k);
        pending_.erase(0, k);
        return k;
    }
    if (!tls_active_) {
        for (;;) {
            ssize_t r = ::recv(fd_, buf, n, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                throw ProtocolError(std::string("recv failed: ") + std::strerror(errno));
            return static_cast<size_t>(r);
        }
    }
    for (;;) {
        int r = SSL_read(ssl_, buf, static_cast<int>(n));
        if (r > 0)
            return static_cast<size_t>(r);
        int err = SSL_get_error(ssl_, r);
        if (err == SSL_ERROR_ZERO_RETURN)
            return 0;
        if (err != SSL_ERROR_WANT_READ)
            throw ProtocolError("TLS read failed");
        char raw[16384];
        ssize_t got = ::recv(fd_, raw, sizeof raw, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        BIO_write(rbio_, raw, static_cast<int>(got));
    }
}

void Channel::raw_write(const char *buf, size_t n) {
    if (!tls_active_)
        return socket_write(buf, n);
    if (SSL_write(ssl_, buf, static_cast<int>(n)) <= 0)
        throw ProtocolError("TLS write failed");
    drain_tls_output();
}

bool Channel::read_exact(char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        size_t r = raw_read(buf + got, n - got);
        if (r == 0) {
            if (got == 0)
                return false;
            throw ProtocolError("connection closed inside a packet");
        }
        got += r;
    }
    return true;
}

bool Channel::read_message(TdsMessage &m) {
    m.payload.clear();
    for (;;) {
        char header[kHeaderSize];
        if (!read_exact(header, kHeaderSize))
            return false;
        PacketHeader h = parse_packet_header(header);
        if (h.length < kHeaderSize)
            throw ProtocolError("bad packet length");
        m.type = h.type;
        m.status = h.status;
        size_t start = m.payload.size();
        m.payload.resize(start + h.length - kHeaderSize);
        if (h.length > kHeaderSize && !read_exact(m.payload.data() + start, h.length - kHeaderSize))
            throw ProtocolError("connection closed inside a packet");
        if (m.status & kStatusEom)
            return true;
    }
}

void Channel::write_packets(uint8_t type, std::string_view payload, bool last) {
    if (broken_)
        throw ProtocolError("connection is broken");
    wbuf_.clear();
    append_packets(wbuf_, type, payload, packet_size_, spid_, packet_id_, last);
    try {
        raw_write(wbuf_.data(), wbuf_.size());
    } catch (...) {
        broken_ = true;
        throw;
    }
}

bool Channel::attention_pending() {
    if (broken_)
        return true;
    try {
        for (;;) {
            bool readable = !pending_.empty() || (tls_active_ && SSL_pending(ssl_) > 0);
            if (!readable) {
                pollfd p{fd_, POLLIN, 0};
                readable = ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
            }
            if (!readable)
                return false;
            char header[kHeaderSize];
            if (!read_exact(header, kHeaderSize))
                throw ProtocolError("client went away");
            PacketHeader h = parse_packet_header(header);
            std::string body(h.length > kHeaderSize ? h.length - kHeaderSize : 0u, '\0');
            if (!body.empty() && !read_exact(body.data(), body.size()))
                throw ProtocolError("client went away");
            if (h.type == kAttention)
                return true;
            // Anything else mid-response breaks the one-request-at-a-time rule; drop it.
        }
    } catch (const std::exception &) {
        // A vanished client cancels what it asked for; the request then ends quietly.
        broken_ = true;
        return true;
    }
}

void Channel::start_tls(SSL_CTX *ctx) {
    ssl_ = SSL_new(ctx);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, rbio_, wbio_);
    SSL_set_accept_state(ssl_);
    for (;;) {
        int r = SSL_do_handshake(ssl_);
        std::string out;
        char buf[16384];
        int n;
        while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0)
            out.append(buf, static_cast<size_t>(n));
        if (!out.empty())
            write_packets(kPrelogin, out, true);
        if (r == 1)
            break;
        int err = SSL_get_error(ssl_, r);
        if (err != SSL_ERROR_WANT_READ)
            throw ProtocolError("TLS handshake failed");
        TdsMessage m;
        if (!read_message(m))
            throw ProtocolError("connection closed during TLS handshake");
        BIO_write(rbio_, m.payload.data(), static_cast<int>(m.payload.size()));
    }
    tls_active_ = true;
}

void Channel::stop_tls() {
    tls_active_ = false;
}

} // namespace sim::tds
