// The server's TLS identity: a certificate/key from PEM files, or a self-signed one generated at
// start-up (what SQL Server itself does when no certificate is provisioned).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace sim::tds {

class TlsContext {
public:
    // Empty paths: generate an RSA-2048 self-signed certificate for `common_name`.
    TlsContext(const std::string &cert_file, const std::string &key_file,
               const std::string &common_name);
    SSL_CTX *get() const { return ctx_.get(); }

private:
    struct Free {
        void operator()(SSL_CTX *c) const { SSL_CTX_free(c); }
    };
    std::unique_ptr<SSL_CTX, Free> ctx_;
};

} // namespace sim::tds
