<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<!-- Filled-pixel mask sidecar (<output>_filled_mask.tif): 1 = pixel was filled (magenta),
     0 = original pixel (transparent), so it can be laid over the filled scene. -->
<qgis version="3.22.16" styleCategories="Symbology">
  <pipe>
    <provider>
      <resampling zoomedInResamplingMethod="nearestNeighbour" zoomedOutResamplingMethod="nearestNeighbour" maxOversampling="2" enabled="false"/>
    </provider>
    <rasterrenderer nodataColor="" opacity="0.8" type="paletted" band="1" alphaBand="-1">
      <colorPalette>
        <paletteEntry alpha="0" value="0" label="original pixel" color="#000000"/>
        <paletteEntry alpha="255" value="1" label="filled pixel" color="#ff00ff"/>
      </colorPalette>
    </rasterrenderer>
    <brightnesscontrast brightness="0" gamma="1" contrast="0"/>
    <huesaturation colorizeOn="0" grayscaleMode="0" colorizeRed="255" colorizeStrength="100" invertColors="0" colorizeBlue="128" saturation="0" colorizeGreen="128"/>
    <rasterresampler maxOversampling="2"/>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
