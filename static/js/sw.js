const BUILD = "__CDT_BUILD__";
