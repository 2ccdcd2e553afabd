#pragma once

// Genesys outbound state: contact lists with their contacts, internal DNC lists, campaigns,
// export jobs, and the simulated dialer that dials queued contacts (priority ones first)
// and decides each call's outcome (uncallable skip, DNC scrub at dial time, the pre-call
// rule, then the configured rules). Removed contacts are never dialled; uncallable ones are
// skipped without a call. Errors are Genesys errors (api_error.h). Thread-safe; never
// sleeps: DialDue() dials what is due at the injected clock's now (the pre-call check it
// is given may block; it runs without the store's lock held).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "blend/common/clock.h"
#include "blend/genesys_sim/config.h"

namespace blend::genesys_sim {

struct CallRecord {
  absl::Time last_attempt;
  std::string last_result;
};

struct Contact {
  std::string id;
  std::string contact_list_id;
  std::map<std::string, std::string> data;
  std::map<std::string, CallRecord> call_records;  // by phone column
  bool callable = true;
  bool priority = false;  // configurationOverrides.priority of the last insertion
  absl::Time date_created;
  bool queued = false;
  int64_t queue_generation = 0;
};

// One contact of a POST .../contacts body.
struct ContactInput {
  std::string id;  // empty: new contact
  std::string contact_list_id;
  std::map<std::string, std::string> data;
  std::optional<bool> callable;
};

struct AddContactsOptions {
  bool priority = false;
  bool clear_system_data = false;
  bool do_not_queue = false;
};

struct DncEntry {
  std::string phone_number;  // as added
  std::optional<absl::Time> expires;
};

struct DncListView {
  DncListConfig config;
  std::vector<DncEntry> entries;  // sorted by number
  absl::Time date_created;
  absl::Time date_modified;
  int version = 1;
};

struct ExportJob {
  std::string id;
  std::string kind;  // "dnclist" or "contactlist"
  std::string list_id;
  absl::Time created;
  absl::Time ready_at;
  std::string csv;
};

// The verdict of a pre-call rule on one contact about to be dialled.
struct PreCallVerdict {
  bool dial = true;
  std::string wrapup_code;  // when !dial: the system wrap-up code of the skip
};
// Called just before a contact would be dialled (after the uncallable, DNC and number
// checks), without the store's lock: it may call out over HTTP.
using PreCallCheck = std::function<PreCallVerdict(
    const Contact& contact, const CampaignConfig& campaign, const std::string& phone_number)>;

// What the dialer did with one contact; becomes callRecords and a postContact event.
struct CallOutcome {
  std::string contact_id;
  std::string contact_list_id;
  std::string phone_column;
  std::string phone_type;  // "CELL", "HOME", ...
  std::string phone_number;
  std::string wrapup_code;
  std::string call_analysis_disposition;  // empty when no call was placed
  std::string conversation_id;            // empty when no call was placed (scrubbed, skipped)
  std::string agent_id;
  bool right_party_contact = false;
  absl::Time time;
  CampaignConfig campaign;
};

class OutboundStore {
 public:
  // Seeds lists, DNC lists and campaigns from `config` (already validated).
  OutboundStore(const Clock& clock, const SimConfig& config);

  // POST /api/v2/outbound/contactlists/{id}/contacts.
  absl::StatusOr<std::vector<Contact>> AddContacts(const std::string& list_id,
                                                   const std::vector<ContactInput>& contacts,
                                                   const AddContactsOptions& options);
  absl::StatusOr<Contact> GetContact(const std::string& list_id,
                                     const std::string& contact_id) const;
  // PUT .../contacts/{contactId}: replaces data, sets callable when given; the queue
  // position is kept. kNotFound for an unknown list or contact.
  absl::StatusOr<Contact> UpdateContact(const std::string& list_id, const std::string& contact_id,
                                        const ContactInput& input);
  // DELETE .../contacts/{contactId}: the contact leaves the list and the queue. Returns the
  // removed contact; kNotFound for an unknown list or contact.
  absl::StatusOr<Contact> DeleteContact(const std::string& list_id, const std::string& contact_id);
  absl::StatusOr<ContactListConfig> GetContactList(const std::string& list_id) const;
  absl::StatusOr<std::vector<Contact>> ListContacts(const std::string& list_id) const;

  // DNC lists: `numbers` must be E.164; only rds/rds_custom lists accept changes.
  absl::Status AddDncNumbers(const std::string& list_id, const std::vector<std::string>& numbers,
                             std::optional<absl::Time> expires);
  absl::Status RemoveDncNumbers(const std::string& list_id,
                                const std::vector<std::string>& numbers);
  absl::Status ClearDnc(const std::string& list_id, bool expired_only);
  absl::StatusOr<DncListView> GetDncList(const std::string& list_id) const;
  // True if `number` is on any of `list_ids` (digits-only match, unexpired entries).
  bool OnDnc(const std::string& number, const std::vector<std::string>& list_ids) const;

  // Export jobs ("dnclist" / "contactlist"): the CSV is built at start and becomes
  // available after the configured export delay.
  absl::StatusOr<ExportJob> StartExport(const std::string& kind, const std::string& list_id);
  // The newest export of the list; kNotFound (no.available.list.export.uri) if none is ready.
  absl::StatusOr<ExportJob> LatestExport(const std::string& kind, const std::string& list_id) const;
  absl::StatusOr<ExportJob> ExportById(const std::string& export_id) const;

  // Admin API: create or replace.
  absl::Status UpsertContactList(const ContactListConfig& list);
  absl::Status UpsertDncList(const DncListConfig& list);
  absl::Status UpsertCampaign(const CampaignConfig& campaign);
  std::vector<CampaignConfig> Campaigns() const;
  std::vector<std::string> ContactListIds() const;
  std::vector<std::string> DncListIds() const;

  // Dials every queued contact whose delay has passed (priority queue first; with a dial
  // interval, at most one per interval) and returns the outcomes. `precall` (optional) is
  // asked about each contact that would otherwise be dialled.
  std::vector<CallOutcome> DialDue(const PreCallCheck& precall = nullptr);
  size_t QueuedCount() const;

 private:
  struct ContactList {
    ContactListConfig config;
    std::map<std::string, Contact> contacts;
  };
  struct DncList {
    DncListConfig config;
    std::map<std::string, DncEntry> entries;  // by DigitsOnly(number)
    absl::Time date_created;
    absl::Time date_modified;
    int version = 1;
  };
  struct QueueItem {
    std::string list_id;
    std::string contact_id;
    int64_t generation;
    absl::Time eligible_at;
  };
  struct CompiledRule {
    std::regex re;
    OutcomeRule rule;
  };

  void AddSeedContacts(ContactList& list, const std::vector<SeedContact>& seeds, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const CampaignConfig* CampaignForList(const std::string& list_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Enqueue(Contact& contact, bool priority, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool OnDncLocked(const std::string& number, const std::vector<std::string>& list_ids,
                   absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fills the outcome's contact, phone column and number; true (wrap-up code set) when no
  // call can be placed (uncallable, DNC, invalid number), false when it may be dialled.
  bool PreDial(const Contact& contact, const ContactList& list, const CampaignConfig& campaign,
               absl::Time now, CallOutcome& outcome) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(Contact& contact, const CallOutcome& outcome) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The contact a queue item was popped for, if it still exists in its list.
  Contact* Find(const std::string& list_id, const std::string& contact_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyRules(const std::string& number, CallOutcome& outcome) const;
  // Pops the next due, still valid item of `queue`; false if none.
  bool PopDue(std::deque<QueueItem>& queue, absl::Time now, QueueItem* item)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<DncList*> MutableRdsList(const std::string& list_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string DncCsv(const DncList& list) const;
  std::string ContactListCsv(const ContactList& list) const;

  const Clock& clock_;
  const DialerConfig dialer_;
  const absl::Duration export_delay_;
  std::vector<CompiledRule> rules_;
  mutable absl::Mutex mu_;
  std::map<std::string, ContactList> lists_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, DncList> dnc_lists_ ABSL_GUARDED_BY(mu_);
  std::vector<CampaignConfig> campaigns_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ExportJob> exports_ ABSL_GUARDED_BY(mu_);
  std::deque<QueueItem> priority_queue_ ABSL_GUARDED_BY(mu_);
  std::deque<QueueItem> normal_queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_dial_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace blend::genesys_sim
