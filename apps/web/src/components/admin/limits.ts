/** Keys of one settings category read at once (the API's page maximum). */
export const SETTINGS_PAGE_LIMIT = 100;
/** Templates read at once for the gallery and its filter choices (the API's page maximum). */
export const TEMPLATES_PAGE_LIMIT = 100;
