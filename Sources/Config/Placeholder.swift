public enum GosgateConfigPlaceholder {}
