// One client connection from PRELOGIN to close: negotiates encryption, logs in through the
// engine, then serves SQL batches, RPCs, transaction-manager requests and attentions.
#pragma once

#include "engine.hpp"

#include <openssl/ssl.h>

#include <functional>
#include <string>

namespace sim::tds {

struct ServerOptions {
    bool force_encryption = false;
    SSL_CTX *tls = nullptr;
    // Called with a one-line description of each request (never with passwords).
    std::function<void(const std::string &)> log;
};

void serve_connection(int fd, Engine &engine, const ServerOptions &opts);

} // namespace sim::tds
