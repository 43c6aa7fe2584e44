#include "webhook.hpp"

#include <curl/curl.h>

#include <memory>

namespace sidecar {

namespace {
size_t discard(char *, size_t size, size_t n, void *) {
    return size * n; // the answer's body is not needed
}

struct CurlInit {
    CurlInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};
} // namespace

std::optional<std::string> post_json(const std::string &url, const std::string &json,
                                     long timeout_ms) {
    static CurlInit init; // once, thread-safe (curl_global_init itself is not)
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
    if (!h)
        return "cannot initialise libcurl";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"), curl_slist_free_all);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, json.c_str());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(json.size()));
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L); // threads: no SIGALRM for timeouts
    curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform(h.get());
    if (rc != CURLE_OK)
        return std::string(error[0] ? error : curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299)
        return "HTTP status " + std::to_string(status);
    return std::nullopt;
}

} // namespace sidecar
