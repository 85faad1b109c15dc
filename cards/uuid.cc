#include "cards/uuid.h"

#include <array>
#include <cstdint>

namespace icans {
namespace {

// These ids name cards; they protect nothing. A non-cryptographic hash is
// enough because nobody gains from forging one: a forged id in feedback only
// points at a card that does not exist. Two FNV-1a passes with different
// offset bases, each finished with MurmurHash3's fmix64 avalanche, give 128
// bits whose halves do not collide together for inputs that differ.
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kSecondOffsetBasis = 0x9e3779b97f4a7c15ULL;  // golden ratio, any odd constant works

struct Fnv1a {
  std::uint64_t state;
  void add(unsigned char byte) {
    state ^= byte;
    state *= kFnvPrime;
  }
};

std::uint64_t fmix64(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string uuid_from(std::initializer_list<std::string_view> parts) {
  Fnv1a first{kFnvOffsetBasis};
  Fnv1a second{kSecondOffsetBasis};
  auto add = [&](unsigned char byte) {
    first.add(byte);
    second.add(byte);
  };
  for (std::string_view part : parts) {
    // The length before the bytes keeps part boundaries unambiguous whatever
    // the parts contain.
    std::uint64_t length = part.size();
    for (int i = 0; i < 8; ++i) add(static_cast<unsigned char>(length >> (8 * i)));
    for (char c : part) add(static_cast<unsigned char>(c));
  }

  std::array<unsigned char, 16> bytes{};
  std::uint64_t high = fmix64(first.state);
  std::uint64_t low = fmix64(second.state ^ high);
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(high >> (56 - 8 * i));
    bytes[8 + i] = static_cast<unsigned char>(low >> (56 - 8 * i));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x80);  // version 8
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // variant 10

  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0f];
  }
  return text;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !is_lower_hex(text[i])) return false;
  }
  return true;
}

}  // namespace icans
