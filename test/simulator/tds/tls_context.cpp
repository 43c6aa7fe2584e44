#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace sim::tds {

namespace {
std::string ssl_error(const char *what) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    return std::string(what) + ": " + buf;
}

void use_generated_certificate(SSL_CTX *ctx, const std::string &cn) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    if (!key || !cert)
        throw std::runtime_error(ssl_error("cannot generate TLS key"));
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24 * 365);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (!X509_sign(cert.get(), key.get(), EVP_sha256()))
        throw std::runtime_error(ssl_error("cannot sign TLS certificate"));
    if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
        throw std::runtime_error(ssl_error("cannot use TLS certificate"));
}
} // namespace

TlsContext::TlsContext(const std::string &cert_file, const std::string &key_file,
                       const std::string &common_name)
    : ctx_(SSL_CTX_new(TLS_server_method())) {
    if (!ctx_)
        throw std::runtime_error(ssl_error("cannot create TLS context"));
    // SQL Server 2019 speaks TLS 1.2 inside TDS 7.x; session tickets would arrive as stray
    // records after a login-only handshake.
    SSL_CTX_set_max_proto_version(ctx_.get(), TLS1_2_VERSION);
    SSL_CTX_set_num_tickets(ctx_.get(), 0);
    SSL_CTX_set_options(ctx_.get(), SSL_OP_NO_TICKET);
    if (cert_file.empty()) {
        use_generated_certificate(ctx_.get(), common_name);
        return;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx_.get(), cert_file.c_str()) != 1)
        throw std::runtime_error(ssl_error(("cannot read certificate " + cert_file).c_str()));
    if (SSL_CTX_use_PrivateKey_file(ctx_.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        throw std::runtime_error(ssl_error(("cannot read key " + key_file).c_str()));
}

} // namespace sim::tds
