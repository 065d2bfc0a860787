public enum StandPlaceholder {}
