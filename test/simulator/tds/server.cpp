#include "server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace sim::tds {

Server::Server(Engine &engine, ServerOptions opts) : engine_(engine), opts_(std::move(opts)) {}

Server::~Server() {
    if (fd_ >= 0)
        ::close(fd_);
}

uint16_t Server::listen(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot bind 127.0.0.1:" + std::to_string(port) + ": " +
                                 std::strerror(errno));
    if (::listen(fd_, 64) != 0)
        throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len);
    return ntohs(addr.sin_port);
}

void Server::run() {
    while (!stopping_) {
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, 200);
        if (r <= 0)
            continue;
        int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        {
            std::lock_guard lock(mutex_);
            live_.insert(client);
        }
        std::thread([this, client] {
            serve_connection(client, engine_, opts_);
            std::lock_guard lock(mutex_);
            live_.erase(client);
            idle_.notify_all();
        }).detach();
    }
}

void Server::stop() {
    stopping_ = true;
}

bool Server::close_connections(std::chrono::milliseconds grace) {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    std::unique_lock lock(mutex_);
    // A shut-down socket reads as end of stream: idle connections leave their read loop, and
    // a running request sees its client gone at the next attention poll.
    for (int fd : live_)
        ::shutdown(fd, SHUT_RDWR);
    return idle_.wait_for(lock, grace, [this] { return live_.empty(); });
}

} // namespace sim::tds
