#include "blend/blendctl/start_request.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "blend/common/ids.h"
#include "output.h"

namespace blend::blendctl {

absl::StatusOr<blend::v1::StartJourneyRequest> BuildStartRequest(const StartOptions& options) {
  if (options.campaign_id.empty()) return absl::InvalidArgumentError("--campaign is empty");
  if (options.customer_id.empty()) return absl::InvalidArgumentError("--customer-id is empty");
  auto input = ParseJsonObject(options.input_json);
  if (!input.ok())
    return absl::InvalidArgumentError("--input: " + std::string(input.status().message()));
  blend::v1::StartJourneyRequest r;
  r.set_campaign_id(options.campaign_id);
  r.set_campaign_version(options.campaign_version);
  r.set_client_key(options.idempotency_key.empty() ? NewUuid() : options.idempotency_key);
  blend::v1::Customer& c = *r.mutable_customer();
  c.set_customer_id(options.customer_id);
  c.set_phone_e164(options.phone);
  c.set_email(options.email);
  c.set_time_zone(options.time_zone);
  c.set_postal_time_zone(options.postal_time_zone);
  *r.mutable_input() = *std::move(input);
  return r;
}

absl::StatusOr<CsvStartMapper> CsvStartMapper::Create(const CsvRecord& header,
                                                      std::string campaign_id,
                                                      int32_t campaign_version,
                                                      std::string key_prefix) {
  if (!header.error.empty()) return absl::InvalidArgumentError("header row: " + header.error);
  static const std::map<std::string, Target> kKnown = {
      {"customer_id", Target::kCustomerId},
      {"phone", Target::kPhone},
      {"email", Target::kEmail},
      {"time_zone", Target::kTimeZone},
      {"postal_time_zone", Target::kPostalTimeZone},
      {"idempotency_key", Target::kKey}};
  CsvStartMapper m;
  std::set<std::string> seen;
  bool has_customer_id = false;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name(absl::StripAsciiWhitespace(header.fields[i]));
    std::string lower = absl::AsciiStrToLower(name);
    if (name.empty())
      return absl::InvalidArgumentError(absl::StrCat("header column ", i + 1, " has no name"));
    if (!seen.insert(lower).second)
      return absl::InvalidArgumentError("duplicate header column " + name);
    if (auto it = kKnown.find(lower); it != kKnown.end()) {
      m.columns_.push_back({it->second, ""});
      if (it->second == Target::kCustomerId) {
        has_customer_id = true;
        m.customer_id_index_ = i;
      }
    } else if (lower.rfind("attr.", 0) == 0 && name.size() > 5) {
      m.columns_.push_back({Target::kAttribute, name.substr(5)});
    } else {
      m.columns_.push_back({Target::kInput, name});
    }
  }
  if (!has_customer_id)
    return absl::InvalidArgumentError("the header row has no customer_id column");
  m.campaign_id_ = std::move(campaign_id);
  m.campaign_version_ = campaign_version;
  m.key_prefix_ = std::move(key_prefix);
  return m;
}

std::string CsvStartMapper::CustomerIdOf(const CsvRecord& record) const {
  return customer_id_index_ < record.fields.size() ? record.fields[customer_id_index_] : "";
}

absl::StatusOr<blend::v1::StartJourneyRequest> CsvStartMapper::Map(const CsvRecord& record) const {
  if (!record.error.empty()) return absl::InvalidArgumentError("malformed CSV: " + record.error);
  if (record.fields.size() != columns_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", columns_.size(), " fields, found ", record.fields.size()));
  }
  blend::v1::StartJourneyRequest r;
  r.set_campaign_id(campaign_id_);
  r.set_campaign_version(campaign_version_);
  r.set_row(record.line);
  blend::v1::Customer& c = *r.mutable_customer();
  for (size_t i = 0; i < columns_.size(); ++i) {
    const std::string& v = record.fields[i];
    if (v.empty()) continue;
    switch (columns_[i].target) {
      case Target::kCustomerId:
        c.set_customer_id(v);
        break;
      case Target::kPhone:
        c.set_phone_e164(v);
        break;
      case Target::kEmail:
        c.set_email(v);
        break;
      case Target::kTimeZone:
        c.set_time_zone(v);
        break;
      case Target::kPostalTimeZone:
        c.set_postal_time_zone(v);
        break;
      case Target::kKey:
        r.set_client_key(v);
        break;
      case Target::kAttribute:
        (*c.mutable_attributes()->mutable_fields())[columns_[i].name].set_string_value(v);
        break;
      case Target::kInput:
        (*r.mutable_input()->mutable_fields())[columns_[i].name].set_string_value(v);
        break;
    }
  }
  if (c.customer_id().empty()) return absl::InvalidArgumentError("customer_id is empty");
  if (r.client_key().empty()) r.set_client_key(key_prefix_ + c.customer_id());
  return r;
}

}  // namespace blend::blendctl
