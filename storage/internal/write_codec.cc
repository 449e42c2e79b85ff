#include "storage/internal/write_codec.h"

#include "storage/internal/fixed_width.h"

namespace fqldb::storage::internal {

namespace {

constexpr uint8_t kFormat = 1;

void PutFixed(uint64_t v, int bytes, std::string* out) { PutLittleEndian(v, bytes, out); }

bool GetFixed(std::string_view* in, int bytes, uint64_t* v) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *v = GetLittleEndian(*in, bytes);
  in->remove_prefix(static_cast<size_t>(bytes));
  return true;
}

bool GetBytes(std::string_view* in, std::string* out) {
  uint64_t n = 0;
  if (!GetFixed(in, 4, &n) || in->size() < n) return false;
  out->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

}  // namespace

std::string EncodeWrites(const std::vector<PartitionWrite>& writes) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  PutFixed(writes.size(), 4, &out);
  for (const PartitionWrite& w : writes) {
    PutFixed(w.partition, 4, &out);
    out.push_back(w.write.erase ? 1 : 0);
    PutFixed(w.write.ts, 8, &out);
    PutFixed(w.write.key.size(), 4, &out);
    out += w.write.key;
    PutFixed(w.write.value.size(), 4, &out);
    out += w.write.value;
  }
  return out;
}

Result<std::vector<PartitionWrite>> DecodeWrites(std::string_view in) {
  Status bad(ErrorCode::kIo, "commit log record is not a transaction's writes");
  if (in.empty() || static_cast<uint8_t>(in[0]) != kFormat) return bad;
  in.remove_prefix(1);
  uint64_t count = 0;
  if (!GetFixed(&in, 4, &count) || count > in.size()) return bad;
  std::vector<PartitionWrite> out(count);
  for (PartitionWrite& w : out) {
    uint64_t part = 0;
    if (!GetFixed(&in, 4, &part) || in.empty()) return bad;
    w.partition = static_cast<uint32_t>(part);
    w.write.erase = in[0] != 0;
    in.remove_prefix(1);
    if (!GetFixed(&in, 8, &w.write.ts) || !GetBytes(&in, &w.write.key) ||
        !GetBytes(&in, &w.write.value)) {
      return bad;
    }
  }
  if (!in.empty()) return bad;
  return out;
}

}  // namespace fqldb::storage::internal
