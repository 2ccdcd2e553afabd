#pragma once

// Pure mappings from what a user typed (flags of `journey start`, rows of a CSV file for
// `journey start-many`) to StartJourneyRequest. No I/O; tested in start_request_test.cc.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "blend/blendctl/csv_reader.h"
#include "blend/v1/journey_service.pb.h"

namespace blend::blendctl {

struct StartOptions {
  std::string campaign_id;
  int32_t campaign_version = 0;  // 0: latest
  std::string customer_id;
  std::string phone;
  std::string email;
  std::string time_zone;
  std::string postal_time_zone;
  std::string input_json = "{}";
  std::string idempotency_key;  // empty: a fresh UUID (every call starts a new journey)
};

// kInvalidArgument when --input is not a JSON object or the campaign / customer id is empty.
absl::StatusOr<blend::v1::StartJourneyRequest> BuildStartRequest(const StartOptions& options);

// Maps CSV records onto requests by the header row. Columns (names case-insensitive):
// customer_id (required), phone, email, time_zone, postal_time_zone, idempotency_key;
// `attr.<name>` goes into customer.attributes.<name>; every other column into the journey
// input under its header name. Values are strings; empty cells are left out. A row without
// idempotency_key uses `key_prefix + customer_id`, so loading the same file twice starts
// nothing twice. row = the record's line number. Immutable after Create; thread-compatible.
class CsvStartMapper {
 public:
  // kInvalidArgument: no customer_id column, an empty or duplicate column name, a malformed
  // header record.
  static absl::StatusOr<CsvStartMapper> Create(const CsvRecord& header, std::string campaign_id,
                                               int32_t campaign_version, std::string key_prefix);

  // kInvalidArgument (the message is the reject reason): malformed record, wrong number of
  // fields, empty customer_id.
  absl::StatusOr<blend::v1::StartJourneyRequest> Map(const CsvRecord& record) const;

  // The customer_id cell of a record, or "" (for the rejects file).
  std::string CustomerIdOf(const CsvRecord& record) const;

 private:
  enum class Target {
    kCustomerId,
    kPhone,
    kEmail,
    kTimeZone,
    kPostalTimeZone,
    kKey,
    kAttribute,
    kInput
  };
  struct Column {
    Target target;
    std::string name;  // attribute or input field name
  };

  CsvStartMapper() = default;

  std::vector<Column> columns_;
  size_t customer_id_index_ = 0;
  std::string campaign_id_;
  int32_t campaign_version_ = 0;
  std::string key_prefix_;
};

}  // namespace blend::blendctl
