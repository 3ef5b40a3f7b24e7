// A map for the few live entries the core keeps by id (requests in flight,
// their pending operations, environments): an unsorted vector searched
// linearly. For tens of entries it is as fast as a hash map, and it costs the
// Worker a fraction of the code (no hashing, no bucket growth).
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace miti::util {

template <typename Key, typename Value>
class FlatMap {
 public:
  using Entry = std::pair<Key, Value>;
  using iterator = typename std::vector<Entry>::iterator;
  using const_iterator = typename std::vector<Entry>::const_iterator;

  iterator begin() noexcept { return entries_.begin(); }
  iterator end() noexcept { return entries_.end(); }
  const_iterator begin() const noexcept { return entries_.begin(); }
  const_iterator end() const noexcept { return entries_.end(); }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  void clear() noexcept { entries_.clear(); }

  template <typename K>
  iterator find(const K& key) {
    return std::find_if(entries_.begin(), entries_.end(),
                        [&](const Entry& entry) { return entry.first == key; });
  }
  template <typename K>
  const_iterator find(const K& key) const {
    return std::find_if(entries_.begin(), entries_.end(),
                        [&](const Entry& entry) { return entry.first == key; });
  }

  // Inserts unless the key is there; like std::map::try_emplace, `value` is
  // left untouched (not moved from) when the key is there.
  template <typename V>
  std::pair<iterator, bool> try_emplace(const Key& key, V&& value) {
    auto it = find(key);
    if (it != entries_.end()) return {it, false};
    entries_.emplace_back(key, std::forward<V>(value));
    return {entries_.end() - 1, true};
  }
  Value& operator[](const Key& key) { return try_emplace(key, Value{}).first->second; }

  // Order is not kept: the last entry takes the erased one's place.
  void erase(iterator it) {
    if (it != entries_.end() - 1) *it = std::move(entries_.back());
    entries_.pop_back();
  }
  template <typename K>
  std::size_t erase(const K& key) {
    auto it = find(key);
    if (it == entries_.end()) return 0;
    erase(it);
    return 1;
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace miti::util
