"""Checks shared by the browser tests."""

#: visible elements smaller than 44×44 px (a checkbox counts as its label)
SMALL_TARGETS_JS = """
() => {
  const small = [];
  const seen = new Set();
  for (let el of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if (el.type === 'checkbox' || el.type === 'radio') el = el.closest('label') || el;
    if (seen.has(el)) continue;
    seen.add(el);
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
    if (el.classList.contains('skip')) continue;  // the skip link shows only on focus
    if (box.height < 44 || box.width < 44) {
      small.push(`${el.tagName} "${(el.textContent || el.name || '').trim().slice(0, 40)}" `
        + `${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}
"""
