// The listening socket: one thread per client connection.
#pragma once

#include "connection.hpp"

#include <atomic>
#include <cstdint>

namespace sim::tds {

class Server {
public:
    Server(Engine &engine, ServerOptions opts);
    ~Server();
    // Binds 127.0.0.1:port (0 = any free port) and returns the bound port.
    uint16_t listen(uint16_t port);
    // Accepts until stop() is called (from a signal handler: only sets a flag and closes).
    void run();
    void stop();

private:
    Engine &engine_;
    ServerOptions opts_;
    int fd_ = -1;
    std::atomic<bool> stopping_{false};
};

} // namespace sim::tds
