#include "blend/genesys/curl_transport.h"

#include <curl/curl.h>

#include <array>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "blend/genesys/error.h"
#include "string_bridge.h"

namespace blend::genesys {

std::string_view HttpMethodName(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "GET";
}

const std::string* HttpResponse::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? nullptr : &it->second;
}

// The CURLSH shared by every pooled handle. libcurl calls the lock callbacks from whichever
// thread runs a transfer, so each shared data kind gets its own mutex.
struct CurlTransport::Shared {
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  ~Shared() {
    if (share != nullptr) curl_share_cleanup(share);
  }
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Shared*>(self)->locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Shared*>(self)->locks[data].unlock();
  }
};

void CurlTransport::EasyDeleter::operator()(void* easy) const {
  curl_easy_cleanup(static_cast<CURL*>(easy));
}

namespace {

using internal::Sv;

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
  void Append(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

size_t OnBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Collects headers of the final response: a new status line (after a redirect or a
// "100 Continue") starts over.
size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(out);
  std::string_view line(data, size * n);
  if (absl::StartsWith(Sv(line), "HTTP/")) {
    headers->clear();
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string name = absl::AsciiStrToLower(Sv(line.substr(0, colon)));
    (*headers)[name] = std::string(absl::StripAsciiWhitespace(Sv(line.substr(colon + 1))));
  }
  return size * n;
}

// A transfer that failed without a response. Whether the request may have reached the
// server decides if its outcome is in doubt (a read timeout after the body went out).
absl::Status TransportFailure(CURL* easy, CURLcode rc, const char* errbuf,
                              const HttpRequest& request) {
  GenesysError err;
  curl_off_t uploaded = 0;
  long request_size = 0;
  curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_size);
  bool sent = request_size > 0 || uploaded > 0;
  absl::StatusCode code = absl::StatusCode::kUnavailable;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      err.transport_error = "timeout";
      break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      err.transport_error = "connect";
      sent = false;
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      err.transport_error = "bad_url";
      code = absl::StatusCode::kInvalidArgument;
      sent = false;
      break;
    default:
      err.transport_error = "network";
      break;
  }
  err.outcome_unknown = sent;
  std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  // Paths carry ids only; the query string is dropped because a pre-signed download URL
  // carries a credential there.
  std::string_view url = request.url;
  url = url.substr(0, url.find('?'));
  return AttachGenesysError(absl::Status(code, absl::StrCat(Sv(HttpMethodName(request.method)), " ",
                                                            Sv(url), " failed: ", detail)),
                            err);
}

void SetMethodAndBody(CURL* easy, const HttpRequest& request) {
  switch (request.method) {
    case HttpMethod::kGet:
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
      return;
    case HttpMethod::kPost:
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      break;
    default:
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, HttpMethodName(request.method).data());
      break;
  }
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<CurlTransport>> CurlTransport::Create(CurlTransportOptions options) {
  static const CURLcode global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global_rc != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_global_init failed: ", curl_easy_strerror(global_rc)));
  }
  auto shared = std::make_unique<Shared>();
  shared->share = curl_share_init();
  if (shared->share == nullptr) return absl::InternalError("curl_share_init failed");
  curl_share_setopt(shared->share, CURLSHOPT_LOCKFUNC, &Shared::Lock);
  curl_share_setopt(shared->share, CURLSHOPT_UNLOCKFUNC, &Shared::Unlock);
  curl_share_setopt(shared->share, CURLSHOPT_USERDATA, shared.get());
  for (curl_lock_data data :
       {CURL_LOCK_DATA_CONNECT, CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_SSL_SESSION}) {
    if (curl_share_setopt(shared->share, CURLSHOPT_SHARE, data) != CURLSHE_OK) {
      return absl::InternalError("this libcurl cannot share its connection cache");
    }
  }
  return std::unique_ptr<CurlTransport>(new CurlTransport(std::move(options), std::move(shared)));
}

CurlTransport::CurlTransport(CurlTransportOptions options, std::unique_ptr<Shared> shared)
    : options_(std::move(options)), shared_(std::move(shared)) {}

CurlTransport::~CurlTransport() {
  // Handles must leave the share before it is cleaned up.
  idle_.clear();
}

CurlTransport::EasyHandle CurlTransport::Acquire() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      EasyHandle handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return EasyHandle(curl_easy_init());
}

void CurlTransport::Release(EasyHandle handle) {
  // curl_easy_reset keeps the handle's live connections and its share; options start over.
  curl_easy_reset(static_cast<CURL*>(handle.get()));
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
}

void CurlTransport::Configure(void* handle, const HttpRequest& request, curl_slist* headers,
                              char* errbuf, HttpResponse& response) const {
  CURL* easy = static_cast<CURL*>(handle);
  absl::Duration timeout =
      request.timeout > absl::ZeroDuration() ? request.timeout : options_.default_timeout;
  curl_easy_setopt(easy, CURLOPT_SHARE, shared_->share);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: thread-safe
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
  if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &response.headers);
  SetMethodAndBody(easy, request);
}

absl::StatusOr<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  EasyHandle handle = Acquire();
  CURL* easy = static_cast<CURL*>(handle.get());
  if (easy == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");

  HttpResponse response;
  CurlSlist headers;
  for (const auto& [name, value] : request.headers) headers.Append(absl::StrCat(name, ": ", value));
  headers.Append("Expect:");  // no 100-continue round trip for small JSON bodies
  char errbuf[CURL_ERROR_SIZE] = {0};
  Configure(easy, request, headers.list, errbuf, response);

  CURLcode rc = curl_easy_perform(easy);
  if (rc != CURLE_OK) {
    absl::Status failure = TransportFailure(easy, rc, errbuf, request);
    Release(std::move(handle));
    return failure;
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  Release(std::move(handle));
  return response;
}

}  // namespace blend::genesys
