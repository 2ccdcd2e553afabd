#pragma once

// HttpTransport over libcurl. Easy handles are pooled and all share one connection cache,
// DNS cache and TLS session cache (CURLSH), so calls from any thread reuse open keep-alive
// connections to Genesys. Thread-safe; create one per process and share it.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "blend/genesys/http_transport.h"

struct curl_slist;

namespace blend::genesys {

struct CurlTransportOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  // Whole-exchange deadline when a request does not set its own.
  absl::Duration default_timeout = absl::Seconds(30);
  // Idle easy handles kept for reuse; more concurrent requests create extra handles.
  size_t max_idle_handles = 16;
  std::string user_agent = "blend-genesys/1";
  // PEM bundle for TLS verification; empty means the system default.
  std::string ca_file;
};

class CurlTransport final : public HttpTransport {
 public:
  static absl::StatusOr<std::unique_ptr<CurlTransport>> Create(CurlTransportOptions options = {});
  ~CurlTransport() override;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  struct Shared;  // the CURLSH and its locks
  struct EasyDeleter {
    void operator()(void* easy) const;
  };
  using EasyHandle = std::unique_ptr<void, EasyDeleter>;

  CurlTransport(CurlTransportOptions options, std::unique_ptr<Shared> shared);
  EasyHandle Acquire();
  void Configure(void* easy, const HttpRequest& request, curl_slist* headers, char* errbuf,
                 HttpResponse& response) const;
  void Release(EasyHandle handle);

  const CurlTransportOptions options_;
  std::unique_ptr<Shared> shared_;
  std::mutex pool_mu_;
  std::vector<EasyHandle> idle_;
};

}  // namespace blend::genesys
