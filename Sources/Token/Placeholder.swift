public enum TokenPlaceholder {}
