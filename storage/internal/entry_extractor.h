#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/value.h"
#include "storage/internal/partition.h"
#include "storage/transaction.h"

namespace fqldb::storage::internal {

// One index entry a document produces, in storage form.
struct IndexEntryKey {
  Array terms;             // the term tuple
  std::string terms_key;   // EncodeKey of the term tuple
  std::string values_key;  // the values, reverse fields inverted
  std::string order_key;   // values_key + the encoded ref
  std::string payload;     // EncodeDocument([values..., ref])
};

// The entries `def` holds for `doc` ({ref, ts, data...}): array fields fan
// out to one entry per element, objects are not indexed, and an entry whose
// terms (or values) are all null is not stored. `coll` is the uid of
// the document's collection. Errors: kInvalidArgument
// past 10,000 entries for one document; a binding's own error.
Result<std::vector<IndexEntryKey>> ExtractEntries(const IndexDef& def, const Value& ref,
                                                  uint64_t coll, const Value& doc);

// Fills a set entry from an index entry's order key and stored version.
Status DecodeEntry(std::string_view order_key, VersionView v, SetEntry* out);

}  // namespace fqldb::storage::internal
