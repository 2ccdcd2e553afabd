#include "blend/worker/touch_values.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "blend/worker/message_template.h"
#include "nlohmann/json.hpp"

namespace blend::worker {
namespace {

nlohmann::json StructJson(const google::protobuf::Struct& s) {
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(s, &text).ok()) return nlohmann::json::object();
  nlohmann::json out = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return out.is_object() ? out : nlohmann::json::object();
}

}  // namespace

nlohmann::json TouchValues(const v1::TouchCommand& touch) {
  const v1::Customer& c = touch.customer();
  nlohmann::json customer = StructJson(c.attributes());
  customer["customerId"] = c.customer_id();
  customer["phone"] = c.phone_e164();
  customer["email"] = c.email();
  nlohmann::json values = StructJson(touch.parameters());
  if (!values.contains("customer")) values["customer"] = std::move(customer);
  if (!values.contains("touch")) {
    values["touch"] = {{"touchId", touch.touch_id()},
                       {"journeyId", touch.journey_id()},
                       {"campaignId", touch.campaign_id()}};
  }
  return values;
}

absl::StatusOr<std::string> RenderParameter(const v1::TouchCommand& touch, std::string_view name,
                                            bool required) {
  const auto& fields = touch.parameters().fields();
  auto it = fields.find(std::string(name));
  if (it == fields.end()) {
    if (!required) return std::string();
    return absl::InvalidArgumentError(absl::StrCat("touch parameter '", std::string(name),
                                                   "' (the message template) is missing"));
  }
  if (it->second.kind_case() != google::protobuf::Value::kStringValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("touch parameter '", std::string(name), "' must be a string"));
  }
  return RenderTemplate(it->second.string_value(), TouchValues(touch));
}

}  // namespace blend::worker
