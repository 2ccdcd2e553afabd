#pragma once

// The Genesys contact id Blend gives the contact of a voice touch.
//
// Genesys accepts a client-chosen `id` on POST /api/v2/outbound/contactlists/{id}/contacts
// (WritableDialerContact.id) and treats a second POST with the same id as an update of that
// contact. Deriving the id from the touch id therefore makes the insertion idempotent: a
// retry after a lost response updates the contact instead of adding a second one, and
// anyone who knows the touch id can find, read back or withdraw the contact without having
// stored the id Genesys answered with.
//
// Derivation: the RFC 9562 name-based (version 5, SHA-1) UUID of the touch id in the
// namespace kBlendContactIdNamespace, lower-case canonical text (36 characters), e.g. in
// Python: str(uuid.uuid5(uuid.UUID("b30aa2a9-dd4e-4264-b905-d7dc0ea02440"), touch_id)).
// A canonical UUID because that is the shape Genesys's own Terraform provider sends as a
// client-chosen contact id (Genesys documents no other constraint); the touch id itself
// ("<journey id>/<state name>/<n>") may hold slashes and any characters a state name has.

#include <string>
#include <string_view>

namespace blend::genesys {

inline constexpr std::string_view kBlendContactIdNamespace = "b30aa2a9-dd4e-4264-b905-d7dc0ea02440";

// Deterministic, the same in every process and release; empty touch ids are the caller's
// mistake (the result is still a valid UUID).
std::string ContactIdForTouch(std::string_view touch_id);

}  // namespace blend::genesys
