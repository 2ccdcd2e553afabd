#include "intrinsics.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace blend::journey::internal {
namespace {

using json = nlohmann::json;

struct Spec {
  std::string_view name;
  IntrinsicArity arity;
};

constexpr size_t kMany = 256;  // "any number": bounded so a definition cannot ask for more

constexpr std::array kSpecs = {
    Spec{"States.Format", {1, kMany}},     Spec{"States.StringToJson", {1, 1}},
    Spec{"States.JsonToString", {1, 1}},   Spec{"States.Array", {0, kMany}},
    Spec{"States.ArrayPartition", {2, 2}}, Spec{"States.ArrayContains", {2, 2}},
    Spec{"States.ArrayRange", {3, 3}},     Spec{"States.ArrayGetItem", {2, 2}},
    Spec{"States.ArrayLength", {1, 1}},    Spec{"States.ArrayUnique", {1, 1}},
    Spec{"States.Base64Encode", {1, 1}},   Spec{"States.Base64Decode", {1, 1}},
    Spec{"States.Hash", {2, 2}},           Spec{"States.JsonMerge", {3, 3}},
    Spec{"States.MathRandom", {2, 3}},     Spec{"States.MathAdd", {2, 2}},
    Spec{"States.StringSplit", {2, 2}},    Spec{"States.UUID", {0, 0}},
};

// AWS limits (Step Functions documentation of the intrinsic functions).
constexpr size_t kMaxArrayRangeItems = 1000;
constexpr size_t kMaxBase64Input = 10000;  // characters, both directions
constexpr size_t kMaxHashInput = 10000;

absl::Status Fail(std::string_view f, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(f), ": ", std::string(why)));
}

// True for a JSON integer within [INT32_MIN, INT32_MAX]: the integer arguments of
// ArrayRange / MathRandom (AWS takes 32-bit integers there).
bool Int32(const json& v, int64_t* out) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
      return false;
    *out = static_cast<int64_t>(v.get<uint64_t>());
    return true;
  }
  int64_t n = v.get<int64_t>();
  if (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())
    return false;
  *out = n;
  return true;
}

bool ValidUtf8(std::string_view s) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;  // continuation bytes
    if (c < 0x80) n = 0;
    else if ((c >> 5) == 0x6) n = 1;
    else if ((c >> 4) == 0xe) n = 2;
    else if ((c >> 3) == 0x1e) n = 3;
    else return false;
    if (i + n >= s.size() && n > 0) return false;  // truncated sequence
    uint32_t cp = n == 0 ? c : (c & (0x3fu >> n));
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (cp < kMin[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += n + 1;
  }
  return true;
}

absl::StatusOr<json> Format(const std::vector<json>& args,
                            const std::vector<size_t>* placeholders) {
  constexpr std::string_view f = "States.Format";
  if (!args[0].is_string()) return Fail(f, "the template (first argument) must be a string");
  const std::string& tmpl = args[0].get_ref<const std::string&>();
  std::vector<size_t> found;
  if (placeholders == nullptr) {
    for (size_t i = 0; i + 1 < tmpl.size(); ++i) {
      if (tmpl[i] == '{' && tmpl[i + 1] == '}') found.push_back(i++);
    }
    placeholders = &found;
  }
  if (placeholders->size() != args.size() - 1) {
    return Fail(f,
                absl::StrCat("the template has ", placeholders->size(), " {} placeholder(s) but ",
                             args.size() - 1, " argument(s) follow it"));
  }
  std::string out;
  size_t from = 0;
  for (size_t k = 0; k < placeholders->size(); ++k) {
    const json& a = args[k + 1];
    if (a.is_object() || a.is_array()) {
      return Fail(f, "arguments must be strings, numbers, booleans or null, not arrays or objects");
    }
    out.append(tmpl, from, (*placeholders)[k] - from);
    out += a.is_string() ? a.get_ref<const std::string&>() : a.dump();
    from = (*placeholders)[k] + 2;
  }
  out.append(tmpl, from, std::string::npos);
  return json(std::move(out));
}

absl::StatusOr<json> ArrayRange(const std::vector<json>& args) {
  constexpr std::string_view f = "States.ArrayRange";
  int64_t first = 0, last = 0, step = 0;
  if (!Int32(args[0], &first) || !Int32(args[1], &last) || !Int32(args[2], &step)) {
    return Fail(f, "start, end and step must be integers (32-bit)");
  }
  if (step == 0) return Fail(f, "the step must not be 0");
  int64_t count = (step > 0 ? last >= first : last <= first) ? (last - first) / step + 1 : 0;
  if (count > static_cast<int64_t>(kMaxArrayRangeItems)) {
    return Fail(f, absl::StrCat("the range would have ", count, " items; at most ",
                                kMaxArrayRangeItems, " are allowed"));
  }
  json out = json::array();
  for (int64_t i = 0; i < count; ++i) out.push_back(first + i * step);
  return out;
}

absl::StatusOr<json> Hash(const std::vector<json>& args) {
  constexpr std::string_view f = "States.Hash";
  if (!args[0].is_string()) return Fail(f, "the data (first argument) must be a string");
  if (!args[1].is_string()) return Fail(f, "the algorithm (second argument) must be a string");
  const std::string& data = args[0].get_ref<const std::string&>();
  const std::string& alg = args[1].get_ref<const std::string&>();
  if (data.size() > kMaxHashInput) {
    return Fail(f, absl::StrCat("the data is longer than ", kMaxHashInput, " characters"));
  }
  const EVP_MD* md = alg == "MD5"       ? EVP_md5()
                     : alg == "SHA-1"   ? EVP_sha1()
                     : alg == "SHA-256" ? EVP_sha256()
                     : alg == "SHA-384" ? EVP_sha384()
                     : alg == "SHA-512" ? EVP_sha512()
                                        : nullptr;
  if (md == nullptr) {
    return Fail(f, absl::StrCat("unknown algorithm '", alg,
                                "': use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1) {
    return Fail(f, "the digest could not be computed");
  }
  return json(
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), len)));
}

// splitmix64: turns States.MathRandom's seed argument into well-spread bits.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

absl::StatusOr<json> MathRandom(const std::vector<json>& args, const EvalContext& ctx) {
  constexpr std::string_view f = "States.MathRandom";
  int64_t start = 0, end = 0, seed = 0;
  if (!Int32(args[0], &start) || !Int32(args[1], &end)) {
    return Fail(f, "start and end must be integers (32-bit)");
  }
  if (end <= start)
    return Fail(f, "end must be greater than start (start is inclusive, end exclusive)");
  uint64_t bits = 0;
  if (args.size() == 3) {
    if (!Int32(args[2], &seed)) return Fail(f, "the seed must be an integer (32-bit)");
    bits = Mix(static_cast<uint64_t>(seed));
  } else {
    if (ctx.random == nullptr || !*ctx.random)
      return Fail(f, "no source of randomness was supplied");
    bits = (*ctx.random)();
  }
  return json(start + static_cast<int64_t>(bits % static_cast<uint64_t>(end - start)));
}

absl::StatusOr<json> StringSplit(const std::vector<json>& args) {
  if (!args[0].is_string() || !args[1].is_string()) {
    return Fail("States.StringSplit", "both arguments must be strings");
  }
  const std::string& s = args[0].get_ref<const std::string&>();
  const std::string& delims = args[1].get_ref<const std::string&>();
  json out = json::array();
  std::string cur;
  for (char c : s) {
    if (delims.find(c) != std::string::npos) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

std::optional<IntrinsicArity> FindIntrinsic(std::string_view name) {
  for (const Spec& s : kSpecs) {
    if (s.name == name) return s.arity;
  }
  return std::nullopt;
}

absl::StatusOr<json> ApplyIntrinsic(const std::string& f, std::vector<json> args,
                                    const std::vector<size_t>* format_placeholders,
                                    const EvalContext& ctx) {
  if (f == "States.Format") return Format(args, format_placeholders);
  if (f == "States.Array") return json(std::move(args));
  if (f == "States.JsonToString") return json(args[0].dump());
  if (f == "States.StringToJson") {
    if (!args[0].is_string()) return Fail(f, "the argument must be a string");
    try {  // not allow_exceptions=false: nlohmann still throws on number overflow there
      return json::parse(args[0].get_ref<const std::string&>());
    } catch (const json::exception&) {
      return Fail(f, "the argument is not valid JSON");
    }
  }
  if (f.starts_with("States.Array") && f != "States.ArrayRange") {
    if (!args[0].is_array()) return Fail(f, "the first argument must be an array");
  }
  if (f == "States.ArrayPartition") {
    if (!args[1].is_number_integer() || args[1].get<int64_t>() <= 0) {
      return Fail(f, "the chunk size must be a positive integer");
    }
    const size_t chunk = args[1].get<uint64_t>();
    json out = json::array();
    for (size_t i = 0; i < args[0].size(); i += chunk) {
      json part = json::array();
      for (size_t k = i; k < i + chunk && k < args[0].size(); ++k)
        part.push_back(std::move(args[0][k]));
      out.push_back(std::move(part));
    }
    return out;
  }
  if (f == "States.ArrayContains") {
    for (const json& v : args[0]) {
      if (v == args[1]) return json(true);
    }
    return json(false);
  }
  if (f == "States.ArrayRange") return ArrayRange(args);
  if (f == "States.ArrayGetItem") {
    if (!args[1].is_number_integer() || args[1].get<int64_t>() < 0 ||
        args[1].get<uint64_t>() >= args[0].size()) {
      return Fail(f, absl::StrCat("the index must be an integer from 0 to ",
                                  args[0].empty() ? 0 : args[0].size() - 1, " (the array has ",
                                  args[0].size(), " items)"));
    }
    return std::move(args[0][args[1].get<size_t>()]);
  }
  if (f == "States.ArrayLength") return json(args[0].size());
  if (f == "States.ArrayUnique") {
    json out = json::array();
    for (json& v : args[0]) {
      bool seen = false;
      for (const json& o : out) seen = seen || o == v;
      if (!seen) out.push_back(std::move(v));
    }
    return out;
  }
  if (f == "States.Base64Encode" || f == "States.Base64Decode") {
    if (!args[0].is_string()) return Fail(f, "the argument must be a string");
    const std::string& in = args[0].get_ref<const std::string&>();
    if (in.size() > kMaxBase64Input) {
      return Fail(f, absl::StrCat("the input is longer than ", kMaxBase64Input, " characters"));
    }
    if (f == "States.Base64Encode") return json(absl::Base64Escape(in));
    std::string out;
    if (!absl::Base64Unescape(in, &out)) return Fail(f, "the argument is not valid base64");
    if (!ValidUtf8(out)) return Fail(f, "the decoded bytes are not a UTF-8 string");
    return json(std::move(out));
  }
  if (f == "States.Hash") return Hash(args);
  if (f == "States.JsonMerge") {
    if (!args[0].is_object() || !args[1].is_object()) {
      return Fail(f, "the first two arguments must be JSON objects");
    }
    if (!args[2].is_boolean()) return Fail(f, "the third argument (deep merge) must be false");
    if (args[2].get<bool>()) {
      return Fail(f,
                  "deep merge (true) is not supported, as on AWS: pass false for a shallow merge");
    }
    for (auto& [k, v] : args[1].items()) args[0][k] = std::move(v);
    return std::move(args[0]);
  }
  if (f == "States.MathRandom") return MathRandom(args, ctx);
  if (f == "States.MathAdd") {
    if (!args[0].is_number() || !args[1].is_number())
      return Fail(f, "both arguments must be numbers");
    if (args[0].is_number_integer() && args[1].is_number_integer()) {
      return json(args[0].get<int64_t>() + args[1].get<int64_t>());
    }
    return json(args[0].get<double>() + args[1].get<double>());
  }
  if (f == "States.StringSplit") return StringSplit(args);
  if (f == "States.UUID") {
    if (ctx.uuid == nullptr || !*ctx.uuid) return Fail(f, "no UUID source was supplied");
    return json((*ctx.uuid)());
  }
  return Fail(f, "unknown function");
}

}  // namespace blend::journey::internal
