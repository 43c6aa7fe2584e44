// The listening socket: one thread per client connection.
#pragma once

#include "connection.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>

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
    // After run(): shuts down the open client connections and waits for their threads. False
    // when some did not finish in time.
    bool close_connections(std::chrono::milliseconds grace);

private:
    Engine &engine_;
    ServerOptions opts_;
    int fd_ = -1;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable idle_;
    std::set<int> live_; // client sockets being served
};

} // namespace sim::tds
