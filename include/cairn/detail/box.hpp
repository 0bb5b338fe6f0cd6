// cairn/detail/box.hpp: an owning pointer usable in constant evaluation (std::unique_ptr is not,
// before C++23). Copying a box copies what it holds.
#pragma once

#include <utility>

namespace cairn::detail {

template <class T>
class box {
 public:
  constexpr box() = default;
  constexpr explicit box(T* owned) : ptr_(owned) {}
  template <class... Args>
  static constexpr box make(Args&&... args) { return box(new T(std::forward<Args>(args)...)); }

  constexpr box(box&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  constexpr box& operator=(box&& other) noexcept {
    if (this != &other) {
      delete ptr_;
      ptr_ = std::exchange(other.ptr_, nullptr);
    }
    return *this;
  }
  constexpr box(const box& other) : ptr_(other.ptr_ ? new T(*other.ptr_) : nullptr) {}
  constexpr box& operator=(const box& other) {
    if (this != &other) *this = box(other);
    return *this;
  }
  constexpr ~box() { delete ptr_; }

  constexpr T* get() const { return ptr_; }
  constexpr T& operator*() const { return *ptr_; }
  constexpr T* operator->() const { return ptr_; }
  constexpr explicit operator bool() const { return ptr_ != nullptr; }

 private:
  T* ptr_ = nullptr;
};

// Polymorphic owner: copying is not offered (the evaluator owns callables for its lifetime).
template <class Base>
class poly_box {
 public:
  constexpr poly_box() = default;
  constexpr explicit poly_box(Base* owned) : ptr_(owned) {}
  constexpr poly_box(poly_box&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  constexpr poly_box& operator=(poly_box&& other) noexcept {
    if (this != &other) {
      delete ptr_;
      ptr_ = std::exchange(other.ptr_, nullptr);
    }
    return *this;
  }
  poly_box(const poly_box&) = delete;
  poly_box& operator=(const poly_box&) = delete;
  constexpr ~poly_box() { delete ptr_; }

  constexpr Base* get() const { return ptr_; }
  constexpr Base& operator*() const { return *ptr_; }
  constexpr Base* operator->() const { return ptr_; }

 private:
  Base* ptr_ = nullptr;
};

}  // namespace cairn::detail
